#!/usr/bin/env bash
# `make run`: a dev sprint-node (1 block/s, temporary state) and two sprint-workers on loopback:
#   [alice] the dev chain's genesis validator, validating only: it sits in the host's seats,
#           samples its leaves, checks them and submits verdicts;
#   [bob]   a host: registers with its bond, runs the Sprint each epoch (60 blocks), commits its
#           leaves and serves their proofs.
# About a minute and a half in, epoch 0 is tallied and Bob's worker says what the chain decided:
# `epoch 0: Accepted — N leaves committed, weight N, reward … SPR (vesting); 1 seat: 1 Valid`.
# Ctrl-C stops all three. RPC_PORT (default 9944) and PROOF_PORT (Bob's proof server, default
# 8610; Alice's is the next port) may be set.
set -euo pipefail
node_bin=$1
worker_bin=$2
rpc_port=${RPC_PORT:-9944}
proof_port=${PROOF_PORT:-8610}
dir=$(mktemp -d -t sprint-dev-XXXXXX)
pids=()
cleanup() {
	trap - EXIT INT TERM
	kill "${pids[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
started=$(date +%s)
echo "sprint-node --dev: RPC on ws://127.0.0.1:$rpc_port (polkadot-js apps: Settings → custom endpoint); log: $dir/node.log"
"$node_bin" --dev --tmp --dev-block-time 1000 --rpc-port "$rpc_port" --no-prometheus 2> "$dir/node.log" &
pids+=($!)
for _ in $(seq 1 60); do
	curl -sf -H 'content-type: application/json' -d '{"id":1,"jsonrpc":"2.0","method":"system_health","params":[]}' \
		"http://127.0.0.1:$rpc_port" >/dev/null 2>&1 && break
	kill -0 "${pids[0]}" 2>/dev/null || { echo "sprint-node exited:"; tail -20 "$dir/node.log"; exit 1; }
	sleep 0.5
done

# Each worker's lines are prefixed with its name; `epoch N: …` lines are the chain's decisions.
worker() {
	local name=$1 port=$2
	shift 2
	"$worker_bin" keys generate --key-file "$dir/$name.json" --dev "${name^}" > /dev/null
	"$worker_bin" run --node "ws://127.0.0.1:$rpc_port" --key-file "$dir/$name.json" \
		--data-dir "$dir/$name" --listen "127.0.0.1:$port" --metrics-listen "127.0.0.1:$((port + 1006))" "$@" \
		> >(sed -u "s/^/[$name] /") 2>&1 &
	pids+=($!)
}
echo "[alice] validator (the dev chain's genesis validator); [bob] host, proofs on http://127.0.0.1:$proof_port"
echo "Bob's dashboard: http://127.0.0.1:$((proof_port + 1006))/dashboard (live; Alice's on port $((proof_port + 1007)))"
echo "Prometheus metrics: http://127.0.0.1:$((proof_port + 1006))/metrics (bob), http://127.0.0.1:$((proof_port + 1007))/metrics (alice)"
worker alice $((proof_port + 1)) --validator-only --dev-secret Alice
worker bob "$proof_port"
echo "the first epoch ends about 60 s from now; Bob's worker then logs its outcome. Ctrl-C stops everything."
# Runs until Ctrl-C, or until a worker stops (its last lines above say why).
while kill -0 "${pids[1]}" 2>/dev/null && kill -0 "${pids[2]}" 2>/dev/null; do
	sleep 1
done
echo "a worker exited; stopping ($(( $(date +%s) - started )) s after start)"
