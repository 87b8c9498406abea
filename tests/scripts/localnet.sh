#!/usr/bin/env bash
# Four validators (Alice, Bob, Charlie, Dave) of the `local` chain on loopback ports.
# State lives in ./localnet-data/<name> (kept between runs; delete it to start over), logs in
# ./localnet-data/<name>.log. RPC: Alice 9944, Bob 9945, Charlie 9946, Dave 9947. Ctrl-C stops all.
set -euo pipefail
node_bin="${1:?usage: localnet.sh PATH-TO-sprint-node}"
data="${LOCALNET_DATA:-$PWD/localnet-data}"
mkdir -p "$data"
pids=()
stopping=""
stop() {
	[ -n "$stopping" ] && return
	stopping=1
	echo "stopping the local testnet"
	kill "${pids[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
}
trap stop EXIT
trap 'stop; exit 0' INT TERM

names=(alice bob charlie dave)
# Fixed, public node keys (0x…01 to 0x…04): fine on loopback, never for a real network. Alice's
# peer id follows from hers, so the others can name her as their bootnode.
node_key() { printf '%064x' "$(($1 + 1))"; }
alice_peer=$("$node_bin" key inspect-node-key --file <(node_key 0))
for i in "${!names[@]}"; do
	name=${names[$i]}
	args=(--chain local "--$name" --base-path "$data/$name" --rpc-port $((9944 + i))
		--listen-addr "/ip4/127.0.0.1/tcp/$((30333 + i))" --prometheus-port $((9615 + i)) --no-mdns)
	args+=(--node-key "$(node_key "$i")")
	if [ "$i" -ne 0 ]; then
		args+=(--bootnodes "/ip4/127.0.0.1/tcp/30333/p2p/$alice_peer")
	fi
	"$node_bin" "${args[@]}" > "$data/$name.log" 2>&1 &
	pids+=($!)
	echo "$name: ws://127.0.0.1:$((9944 + i)), log $data/$name.log"
done
echo "local testnet running (4 validators, 6 s blocks); Ctrl-C stops it"
wait -n "${pids[@]}" || true
echo "a validator exited; see the logs in $data" >&2
