#!/usr/bin/env bash
# Regenerates weights.rs of Sprint's pallets from their benchmarks: builds sprint-node with
# `--features runtime-benchmarks` in its own target directory (the first time, a second ~25-minute
# build of the node stack on 2 cores; it never clobbers the release binary the tests use), then
# runs `sprint-node benchmark pallet` for each pallet with pallets/weight-template.hbs.
#
# Usage: tests/scripts/weights.sh [pallet ...]   (default: poc collateral emission inference audit poc_voting carbon)
# Env:   BENCH_TARGET_DIR (default: $CARGO_TARGET_DIR-bench), STEPS (20), REPEAT (10).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
target="${BENCH_TARGET_DIR:-${CARGO_TARGET_DIR:-$HOME/.cache/sprint-target}-bench}"
steps="${STEPS:-20}"
repeat="${REPEAT:-10}"
pallets=("$@")
[ ${#pallets[@]} -eq 0 ] && pallets=(poc collateral emission inference audit poc_voting carbon)

echo "building sprint-node with runtime benchmarks in $target"
# frame-storage-access-test-runtime (a benchmark CLI dependency, for `benchmark storage`, which
# this script never runs) cannot build its own WASM outside its workspace: skip it.
SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1 \
	CARGO_TARGET_DIR="$target" cargo build --locked --release -p sprint-node --features runtime-benchmarks
node="$target/release/sprint-node"

for pallet in "${pallets[@]}"; do
	out="pallets/${pallet//_/-}/src/weights.rs"
	echo "benchmarking pallet_$pallet (steps $steps, repeat $repeat) -> $out"
	"$node" benchmark pallet \
		--chain dev \
		--pallet "pallet_$pallet" \
		--extrinsic '*' \
		--steps "$steps" \
		--repeat "$repeat" \
		--wasm-execution compiled \
		--heap-pages 4096 \
		--template pallets/weight-template.hbs \
		--output "$out"
done
echo "weights regenerated: git diff pallets/*/src/weights.rs"
