#!/usr/bin/env bash
# `make run`: a dev sprint-node (1 block/s, temporary state) and one sprint-worker for //Alice —
# the dev chain's genesis validator — that registers as a host, runs the Sprint each epoch,
# commits, serves proofs on 127.0.0.1:8610 and validates. Ctrl-C stops both.
set -euo pipefail
node_bin=$1
worker_bin=$2
dir=$(mktemp -d -t sprint-dev-XXXXXX)
cleanup() {
	kill "${node_pid:-}" "${worker_pid:-}" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

echo "sprint-node --dev: RPC on ws://127.0.0.1:9944 (polkadot-js apps: Development → custom endpoint)."
"$node_bin" --dev --tmp --dev-block-time 1000 2> "$dir/node.log" &
node_pid=$!
for _ in $(seq 1 60); do
	curl -sf -H 'content-type: application/json' -d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' \
		http://127.0.0.1:9944 >/dev/null 2>&1 && break
	kill -0 "$node_pid" 2>/dev/null || { echo "sprint-node exited:"; tail -20 "$dir/node.log"; exit 1; }
	sleep 0.5
done
echo "node log: $dir/node.log"
"$worker_bin" keys generate --key-file "$dir/keys.json" --dev Alice
echo "sprint-worker run (Alice; proofs on http://127.0.0.1:8610). Ctrl-C stops both."
"$worker_bin" run --node ws://127.0.0.1:9944 --key-file "$dir/keys.json" --data-dir "$dir/worker" \
	--dev-secret Alice &
worker_pid=$!
wait "$worker_pid"
