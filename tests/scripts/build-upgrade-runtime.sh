#!/usr/bin/env bash
# Builds the runtime's WASM one spec_version later (the `upgrade-test` feature), for the
# forkless-upgrade test on the local net, and prints the path of its compressed blob.
#
# Only the WASM is wanted, so the native side is only checked, and all of it happens in a target
# directory of its own (`$CARGO_TARGET_DIR-upgrade` unless SPRINT_UPGRADE_TARGET_DIR says
# otherwise): the feature changes the runtime's build, and sharing the main directory would make
# the two versions evict each other on every run.
set -euo pipefail

main=${CARGO_TARGET_DIR:-$HOME/.cache/sprint-target}
dir=${SPRINT_UPGRADE_TARGET_DIR:-$main-upgrade}
root=$(cd "$(dirname "$0")/../.." && pwd)

echo "building the upgrade-test runtime (spec_version + 1) in $dir" >&2
(cd "$root" && CARGO_TARGET_DIR=$dir ${CARGO:-cargo} check --locked --release -p sprint-runtime --features upgrade-test >&2)

wasm=$dir/release/wbuild/sprint-runtime/sprint_runtime.compact.compressed.wasm
if [ ! -s "$wasm" ]; then
	echo "build-upgrade-runtime: $wasm was not written (is SKIP_WASM_BUILD set?)" >&2
	exit 1
fi
echo "$wasm"
