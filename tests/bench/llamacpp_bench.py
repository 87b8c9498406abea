"""llama.cpp (llama-cpp-python) on the same GGUF and the same prompt as `sprint-worker bench-model`:
prefill and decode tokens/s, first-token latency, peak RSS. Prints one JSON line per thread count.

Usage: python llama_cpp.py MODEL.gguf [TOKENS] [THREADS...]
"""
import json
import resource
import sys
import time

from llama_cpp import Llama

QUESTION = "What is the capital of Japan?"  # sprint-worker's BENCH_QUESTION


def measure(path, tokens, threads):
    llm = Llama(model_path=path, n_ctx=2048, n_threads=threads, n_threads_batch=threads, verbose=False)
    prompt = (
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
        f"<|im_start|>user\n{QUESTION}<|im_end|>\n<|im_start|>assistant\n"
    )
    ids = llm.tokenize(prompt.encode(), add_bos=False, special=True)
    start = time.perf_counter()
    first = None
    count = 0
    for _ in llm.generate(ids, temp=0.0, top_k=1, reset=True):
        count += 1
        if first is None:
            first = time.perf_counter() - start
            decode_start = time.perf_counter()
        if count == tokens:
            break
    decode = time.perf_counter() - decode_start
    total = time.perf_counter() - start
    return {
        "engine": "llama.cpp (llama-cpp-python)",
        "threads": threads,
        "prompt_tokens": len(ids),
        "prompt_ids": ids,
        "generated": count,
        "prefill_tok_s": round(len(ids) / first, 1),
        "first_token_ms": round(first * 1000, 1),
        "decode_tok_s": round((count - 1) / decode, 1),
        "total_tok_s": round(count / total, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


if __name__ == "__main__":
    model = sys.argv[1]
    tokens = int(sys.argv[2]) if len(sys.argv) > 2 else 94
    for threads in [int(t) for t in sys.argv[3:]] or [1, 2]:
        print(json.dumps(measure(model, tokens, threads)), flush=True)
