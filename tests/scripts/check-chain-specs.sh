#!/usr/bin/env bash
# Fails when chain-specs/*.json are stale: regenerates each with sprint-node and compares
# everything but the embedded WASM `code` (its bytes can differ between machines).
set -euo pipefail
node_bin="${1:?usage: check-chain-specs.sh PATH-TO-sprint-node}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
status=0
for chain in dev local; do
	"$node_bin" export-chain-spec --chain "$chain" > "$tmp/$chain.json"
	"$node_bin" export-chain-spec --chain "$chain" --raw > "$tmp/$chain-raw.json"
	for spec in "$chain.json" "$chain-raw.json"; do
		if ! node "$root/tests/scripts/compare-chain-spec.mjs" "$root/chain-specs/$spec" "$tmp/$spec"; then
			status=1
		fi
	done
done
if [ "$status" -ne 0 ]; then
	echo "chain-specs/ is stale: run \`make chain-specs\` and commit the result" >&2
fi
exit "$status"
