#!/usr/bin/env bash
# `make bench`: build times, `make test` time, dev-node transfer throughput and peak RSS, and the
# worker's PoW (nonces/s, int8 GOPS on the CPU reference and the wgpu path; validator cost).
# Results: printed, and written to bench-results/<UTC timestamp>.json.
#
#   tests/scripts/bench.sh           warm figures (uses the persistent target dir)
#   tests/scripts/bench.sh --cold    also a cold build into a fresh, temporary target dir
#   BENCH_SKIP_TEST=1 ...            skip timing `make test`
#   BENCH_TRANSFERS=N ...            transfers submitted (default 4000)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/sprint-target}"
out_dir="$root/bench-results"
mkdir -p "$out_dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
declare -A r

seconds() { local s e; s=$(date +%s.%N); "$@" >&2; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }

if [ "${1:-}" = "--cold" ]; then
	cold_dir="$(mktemp -d)"
	echo "== cold build into $cold_dir (about 30 minutes on 2 cores)" >&2
	r[cold_build_s]=$(CARGO_TARGET_DIR="$cold_dir" seconds cargo build --locked --release --workspace)
	rm -rf "$cold_dir"
fi

echo "== warm builds" >&2
r[noop_build_s]=$(seconds cargo build --locked --release --workspace)
touch runtime/src/lib.rs
r[runtime_change_build_s]=$(seconds cargo build --locked --release --workspace)

if [ -z "${BENCH_SKIP_TEST:-}" ]; then
	echo "== make test" >&2
	r[make_test_s]=$(seconds make test)
fi

echo "== dev-node transfer throughput" >&2
throughput=$(SPRINT_NODE="$CARGO_TARGET_DIR/release/sprint-node" node tests/bench/transfers.mjs --count "${BENCH_TRANSFERS:-4000}")

echo "== the inference market: what the transfer agent adds to a request" >&2
market=$(SPRINT_NODE="$CARGO_TARGET_DIR/release/sprint-node" SPRINT_WORKER="$CARGO_TARGET_DIR/release/sprint-worker" \
	node tests/bench/market.mjs) || market='"failed"'
echo "  $market" >&2

echo "== sprint-worker: the PoW and the validator's cost per leaf" >&2
worker="$CARGO_TARGET_DIR/release/sprint-worker"
worker_lines=()
for args in "--shape dev --threads 1" "--shape dev --threads 2" \
	"--shape production --threads 2 --seconds 20" \
	"--backend gpu --shape dev" "--backend gpu --shape production --seconds 20" "--validator"; do
	echo "sprint-worker bench $args" >&2
	line=$(WGPU_BACKEND="${WGPU_BACKEND:-vulkan}" "$worker" bench $args 2>&1 | tail -1) || line="failed: $line"
	echo "  $line" >&2
	worker_lines+=("$(printf '%s: %s' "$args" "$line" | sed 's/"/\\"/g')")
done

{
	echo "{"
	echo "  \"when\": \"$stamp\","
	echo "  \"machine\": \"$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -m)\","
	for k in "${!r[@]}"; do printf '  "%s": %.1f,\n' "$k" "${r[$k]}"; done
	echo "  \"worker\": ["
	for i in "${!worker_lines[@]}"; do
		sep=","; [ "$i" = "$((${#worker_lines[@]} - 1))" ] && sep=""
		echo "    \"${worker_lines[$i]}\"$sep"
	done
	echo "  ],"
	echo "  \"market\": $market,"
	echo "  \"throughput\": $throughput"
	echo "}"
} | tee "$out_dir/$stamp.json"
