#!/usr/bin/env bash
# The inference engine beside llama.cpp on the same GGUF, prompt and token count, in one run:
# 1 and 2 threads each, then the engine's quality against its f32 reference. JSON lines.
set -euo pipefail
worker=$1
python=$2
model=${SPRINT_MODELS:-$HOME/.cache/sprint-models}/SmolLM2-135M-Instruct.Q4_1.gguf
here=$(cd "$(dirname "$0")/.." && pwd)
for threads in 1 2; do
	"$worker" bench-model --model "$model" --threads "$threads" --tokens 94
done
"$python" "$here/bench/llamacpp_bench.py" "$model" 94 1 2
echo "quality (20 prompts × 32 tokens, 2,000 tokens of perplexity text; a few minutes):" >&2
"$worker" bench-model --model "$model" --threads 2 --tokens 2 --quality
