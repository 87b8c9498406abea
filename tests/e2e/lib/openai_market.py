"""The requester's side of the market e2e test: the unmodified `openai` package against a
Sprint worker acting as transfer agent. Reads a JSON job on argv[1] (base_url, model, the
working key's secret, a revoked key's, an exhausted key's, one whose price cap is below the price), prints one JSON line of results. Also sends a request
padded just under the payload limit (answered) and one over it (400 payload_too_large)."""
import json
import sys

import openai

job = json.loads(sys.argv[1])
client = openai.OpenAI(base_url=job["base_url"], api_key=job["key"], max_retries=0, timeout=300)
question = [{"role": "user", "content": "Name a primary colour."}]
out = {}

# Padded with an unknown field to just under the 256 KiB payload limit: the transfer agent
# hashes only the canonical request into the ticket, so the payload stays small enough for the
# auditor to fetch (padding kept in it would push it over the limit: an honest executor
# convicted of fraud for an answer it gave).
answer = client.chat.completions.create(
    model=job["model"], messages=question, max_tokens=8, temperature=0.7, seed=7,
    extra_body={"sprint_padding": "x" * 261_000},
)
out["plain"] = {
    "text": answer.choices[0].message.content,
    "prompt_tokens": answer.usage.prompt_tokens,
    "completion_tokens": answer.usage.completion_tokens,
}

text, usage = "", None
for chunk in client.chat.completions.create(
    model=job["model"], messages=question, max_tokens=8, stream=True,
    stream_options={"include_usage": True}, extra_body={"sprint_green": True},
):
    if chunk.choices and chunk.choices[0].delta.content:
        text += chunk.choices[0].delta.content
    if chunk.usage:
        usage = chunk.usage
out["streamed"] = {
    "text": text,
    "prompt_tokens": usage.prompt_tokens,
    "completion_tokens": usage.completion_tokens,
}

errors = {}
bad_keys = [(name, job[f"{name}_key"]) for name in ("revoked", "exhausted", "cheap") if f"{name}_key" in job]
for name, secret in bad_keys + [("garbage", "not-a-key")]:
    bad = openai.OpenAI(base_url=job["base_url"], api_key=secret, max_retries=0, timeout=60)
    try:
        bad.chat.completions.create(model=job["model"], messages=question, max_tokens=4)
        errors[name] = {"status": 200}
    except openai.APIStatusError as e:
        errors[name] = {"status": e.status_code, "code": e.code, "message": e.message}
try:
    client.chat.completions.create(
        model=job["model"], messages=question, max_tokens=4,
        extra_body={"sprint_padding": "x" * 270_000},
    )
    errors["oversized"] = {"status": 200}
except openai.APIStatusError as e:
    errors["oversized"] = {"status": e.status_code, "code": e.code, "message": e.message}
out["errors"] = errors
print(json.dumps(out))
