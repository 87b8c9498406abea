"""The requester's side of the market e2e test: the unmodified `openai` package against a
Sprint worker acting as transfer agent. Reads a JSON job on argv[1] (base_url, model, the
working key's secret, a revoked key's, an exhausted key's, one whose price cap is below the price), prints one JSON line of results."""
import json
import sys

import openai

job = json.loads(sys.argv[1])
client = openai.OpenAI(base_url=job["base_url"], api_key=job["key"], max_retries=0, timeout=300)
question = [{"role": "user", "content": "Name a primary colour."}]
out = {}

answer = client.chat.completions.create(
    model=job["model"], messages=question, max_tokens=8, temperature=0.7, seed=7
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
for name, secret in (
    ("revoked", job["revoked_key"]),
    ("exhausted", job["exhausted_key"]),
    ("cheap", job["cheap_key"]),
    ("garbage", "not-a-key"),
):
    bad = openai.OpenAI(base_url=job["base_url"], api_key=secret, max_retries=0, timeout=60)
    try:
        bad.chat.completions.create(model=job["model"], messages=question, max_tokens=4)
        errors[name] = {"status": 200}
    except openai.APIStatusError as e:
        errors[name] = {"status": e.status_code, "code": e.code, "message": e.message}
out["errors"] = errors
print(json.dumps(out))
