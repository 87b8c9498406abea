#!/usr/bin/env bash
# Four validators (Alice, Bob, Charlie, Dave) of the `local` chain on loopback ports.
# State lives in ./localnet-data/<name> (kept between runs; delete it to start over), logs in
# ./localnet-data/<name>.log. RPC: Alice 9944, Bob 9945, Charlie 9946, Dave 9947. Ctrl-C stops all.
set -euo pipefail
node_bin="${1:?usage: localnet.sh PATH-TO-sprint-node}"
data="${LOCALNET_DATA:-$PWD/localnet-data}"
mkdir -p "$data"
pids=()
stop() {
	echo "stopping the local testnet"
	kill "${pids[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
}
trap stop EXIT INT TERM

names=(alice bob charlie dave)
# Alice's node key is fixed so that the others can name her as their bootnode.
alice_key=0000000000000000000000000000000000000000000000000000000000000001
alice_peer=$("$node_bin" key inspect-node-key --file <(printf %s "$alice_key") 2>/dev/null)
for i in "${!names[@]}"; do
	name=${names[$i]}
	args=(--chain local "--$name" --base-path "$data/$name" --rpc-port $((9944 + i))
		--listen-addr "/ip4/127.0.0.1/tcp/$((30333 + i))" --prometheus-port $((9615 + i)) --no-mdns)
	if [ "$i" -eq 0 ]; then
		args+=(--node-key "$alice_key")
	else
		args+=(--bootnodes "/ip4/127.0.0.1/tcp/30333/p2p/$alice_peer")
	fi
	"$node_bin" "${args[@]}" > "$data/$name.log" 2>&1 &
	pids+=($!)
	echo "$name: ws://127.0.0.1:$((9944 + i)), log $data/$name.log"
done
echo "local testnet running (4 validators, 6 s blocks); Ctrl-C stops it"
wait -n "${pids[@]}" || true
echo "a validator exited; see the logs in $data" >&2
