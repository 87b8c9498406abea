"""The OpenAI-compatible API as its users meet it: the `openai` Python package against a real
`sprint-worker serve` on SmolLM2-135M-Instruct (installed by `make deps`).

Run with `make test-api` (or `python -m unittest discover -s tests/api` with SPRINT_WORKER set).
Every server a test starts listens on loopback and is stopped by that test's module or class.
"""
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

import openai

WORKER = os.environ.get("SPRINT_WORKER", os.path.expanduser("~/.cache/sprint-target/release/sprint-worker"))
MODEL = "SmolLM2-135M-Instruct.Q4_1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A `sprint-worker serve` process on a free loopback port."""

    def __init__(self, *extra):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="sprint-serve-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [WORKER, "serve", "--listen", f"127.0.0.1:{self.port}", "--threads", "2", *extra],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"sprint-worker serve exited: {open(self.log.name).read()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("sprint-worker serve did not answer within 60 s")
            time.sleep(0.2)

    def client(self):
        return openai.OpenAI(base_url=self.url + "/v1", api_key="not-checked", max_retries=0, timeout=120)

    def raw(self, path, body, content_type="application/json"):
        request = urllib.request.Request(self.url + path, data=body, headers={"content-type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def health(self):
        with urllib.request.urlopen(self.url + "/health", timeout=5) as r:
            return json.loads(r.read())

    def wait_for_load(self, answering, queued, timeout=60):
        """Polls GET /health until the batch holds `answering` answers and `queued` wait."""
        deadline = time.monotonic() + timeout
        while True:
            load = self.health()
            if load["answering"] == answering and load["queued"] == queued:
                return load
            if time.monotonic() > deadline:
                raise AssertionError(f"the server's load stayed {load}, not {answering} answering and {queued} queued")
            time.sleep(0.05)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        os.unlink(self.log.name)


def ask(client, question, **kwargs):
    return client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": question}], **kwargs
    )


class Api(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.client = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_models_lists_the_served_model(self):
        models = self.client.models.list()
        self.assertEqual([m.id for m in models.data], [MODEL])

    def test_chat_answers_tokyo_with_usage(self):
        answer = ask(self.client, "What is the capital of Japan?", temperature=0, max_tokens=24)
        self.assertIn("Tokyo", answer.choices[0].message.content)
        self.assertEqual(answer.choices[0].finish_reason, "stop")
        self.assertEqual(answer.usage.prompt_tokens, 37)
        self.assertEqual(answer.usage.total_tokens, answer.usage.prompt_tokens + answer.usage.completion_tokens)
        self.assertTrue(answer.id.startswith("chatcmpl-"))

    def test_a_streamed_answer_is_the_answer_and_ends_with_usage(self):
        whole = ask(self.client, "Name three primary colors.", temperature=0.7, seed=5, max_tokens=20)
        stream = ask(
            self.client, "Name three primary colors.", temperature=0.7, seed=5, max_tokens=20,
            stream=True, stream_options={"include_usage": True},
        )
        chunks = list(stream)
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        self.assertEqual(text, whole.choices[0].message.content)
        finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
        self.assertEqual(finishes, [whole.choices[0].finish_reason])
        self.assertEqual(chunks[-1].choices, [])
        self.assertEqual(chunks[-1].usage.completion_tokens, whole.usage.completion_tokens)

    def test_logprobs_rank_the_alternatives_and_greedy_takes_the_first(self):
        answer = ask(self.client, "What do bees make?", temperature=0, max_tokens=8, logprobs=True, top_logprobs=3)
        content = answer.choices[0].logprobs.content
        self.assertEqual(len(content), answer.usage.completion_tokens)
        for entry in content:
            self.assertEqual(len(entry.top_logprobs), 3)
            values = [t.logprob for t in entry.top_logprobs]
            self.assertEqual(values, sorted(values, reverse=True))
            self.assertLessEqual(values[0], 0.0)
            self.assertEqual(entry.token, entry.top_logprobs[0].token)
            self.assertEqual(entry.logprob, values[0])

    def test_completions_stop_at_a_stop_string(self):
        answer = self.client.completions.create(
            model=MODEL, prompt="The capital of France is Paris. The capital of Italy is", max_tokens=12,
            temperature=0, stop=["."], logprobs=2,
        )
        choice = answer.choices[0]
        self.assertNotIn(".", choice.text)
        self.assertIn("Rome", choice.text)
        self.assertEqual(choice.finish_reason, "stop")
        self.assertEqual(len(choice.logprobs.tokens), answer.usage.completion_tokens)

    def test_bad_requests_get_openai_errors_with_the_right_status(self):
        with self.assertRaises(openai.NotFoundError) as e:
            self.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
        self.assertEqual(e.exception.body["code"], "model_not_found")
        with self.assertRaises(openai.BadRequestError):
            ask(self.client, "hi", n=2)
        with self.assertRaises(openai.BadRequestError):
            ask(self.client, "hi", temperature=3)
        with self.assertRaises(openai.BadRequestError):
            ask(self.client, "hi", logprobs=True, top_logprobs=21)
        with self.assertRaises(openai.BadRequestError) as e:
            ask(self.client, "hi", max_tokens=100_000)
        self.assertEqual(e.exception.body["code"], "context_length_exceeded")
        status, body = self.server.raw("/v1/chat/completions", b'{"model": "x", "messages": [')
        self.assertEqual((status, body["error"]["type"]), (400, "invalid_request_error"))
        status, body = self.server.raw("/v1/chat/completions", json.dumps({"model": MODEL}).encode())
        self.assertEqual(status, 422)
        self.assertIn("messages", body["error"]["message"])
        status, body = self.server.raw("/v1/completions", b" " * (2 << 20))
        self.assertEqual(status, 413)
        # And the server still serves.
        self.assertIn("Tokyo", ask(self.client, "What is the capital of Japan?", temperature=0, max_tokens=16).choices[0].message.content)

    def test_eight_concurrent_clients_each_get_exactly_what_they_get_alone(self):
        questions = ["Why is the sky blue?", "What do bees make?", "Name a fruit.", "What is 2 plus 2?",
                     "Say hello.", "What is gold?", "Describe the sea.", "Name a color."]
        params = dict(temperature=0.8, top_p=0.9, max_tokens=10)
        alone = [ask(self.client, q, seed=i, **params).choices[0].message.content for i, q in enumerate(questions)]
        together = [None] * 8
        errors = []

        def run(i):
            try:
                together[i] = ask(self.server.client(), questions[i], seed=i, **params).choices[0].message.content
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        self.assertEqual(errors, [])
        self.assertEqual(together, alone)

    def test_a_client_that_leaves_mid_stream_does_not_stop_the_server(self):
        stream = ask(self.client, "Tell me a long story about a dragon.", max_tokens=400, stream=True, seed=1)
        received = 0
        for _ in stream:
            received += 1
            if received == 3:
                break
        stream.close()
        answer = ask(self.client, "What is the capital of Japan?", temperature=0, max_tokens=16)
        self.assertIn("Tokyo", answer.choices[0].message.content)


class FullQueue(unittest.TestCase):
    def test_requests_beyond_the_queue_get_429_and_the_server_recovers(self):
        server = Server("--max-batch", "1", "--max-queue", "1")
        try:
            client = server.client()
            results = {}

            def long(name):
                try:
                    results[name] = ask(server.client(), "Tell me a story.", max_tokens=120, seed=3).usage
                except Exception as e:  # noqa: BLE001 - asserted below
                    results[name] = e

            # Each step waits for the server's state (GET /health), not for a fixed time: the
            # first answer in the batch, the second in the queue, then the queue is full.
            self.assertEqual(server.health(), {"status": "ok", "answering": 0, "queued": 0, "max_queue": 1})
            first = threading.Thread(target=long, args=("first",))
            first.start()
            server.wait_for_load(answering=1, queued=0)
            second = threading.Thread(target=long, args=("second",))
            second.start()
            server.wait_for_load(answering=1, queued=1)
            with self.assertRaises(openai.RateLimitError):
                ask(client, "hi", max_tokens=2)
            first.join(timeout=120)
            second.join(timeout=120)
            self.assertFalse(isinstance(results["first"], Exception), results["first"])
            self.assertFalse(isinstance(results["second"], Exception), results["second"])
            self.assertEqual(ask(client, "hi", max_tokens=2).usage.completion_tokens, 2)
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
