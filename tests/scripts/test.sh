#!/usr/bin/env bash
# `make test`: every test of the repository, each step timed, a table at the end.
#
#   deps → build (node, runtime WASM and its upgrade variant, worker) → the test binaries of both
#   profiles (compiled, not run) → then two things at once:
#     - the end-to-end suites in two lanes (tests/scripts/e2e-lanes.mjs), and
#     - beside them, at the lowest CPU priority: the chain-spec check, the Rust tests (pallets with
#       debug assertions; runtime, node and worker in release) and the API tests,
#   so the Rust tests use the CPU the e2e suites leave idle while they wait for blocks.
#
# Every step runs even when an earlier test step failed (a build failure stops the run); the exit
# status is non-zero when any step failed. The table is printed at the end and kept, with each
# step's log, under $CARGO_TARGET_DIR/test-timings/<run>/ (latest.tsv is the last run's), and
# the previous run's figures are shown beside this run's.
#
# SPRINT_TEST_STEPS=rust,api,e2e (any subset) runs only those test steps after the build.
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$HOME/.cache/sprint-target}
export CARGO_TARGET_DIR=$target
cargo=${CARGO:-cargo}
export SPRINT_PYTHON=${SPRINT_PYTHON:-${PY_VENV:-$HOME/.cache/sprint-venv}/bin/python}
steps=${SPRINT_TEST_STEPS:-rust,api,e2e}
timings_dir=$target/test-timings
run=$(date -u +%Y%m%dT%H%M%SZ)
logs=$timings_dir/$run
mkdir -p "$logs"
tsv=$logs/timings.tsv
previous=$timings_dir/latest.tsv
[ -f "$previous" ] && cp "$previous" "$logs/previous.tsv"
: > "$tsv"
started=$(date +%s)

# The pallets, tested in the `testing` profile (release speed, debug assertions on: FRAME's
# `debug_assert!`s fire only there) with their benchmarks compiled in, so one build runs both the
# tests and every benchmark once as a test (the benchmark features are additive).
pallets=(sprint-core sprint-primitives pallet-collateral pallet-emission pallet-poc pallet-inference pallet-audit pallet-poc-voting pallet-carbon)
benchmarked=(pallet-collateral pallet-emission pallet-poc pallet-inference pallet-audit pallet-poc-voting pallet-carbon)
pallet_args=() excluded=() features=()
for p in "${pallets[@]}"; do pallet_args+=(-p "$p"); excluded+=(--exclude "$p"); done
for p in "${benchmarked[@]}"; do features+=("$p/runtime-benchmarks"); done
features=$(IFS=,; echo "${features[*]}")
pallets_test=(env SKIP_WASM_BUILD=1 "$cargo" test --locked --no-fail-fast --profile testing "${pallet_args[@]}" --features "$features")
release_test=("$cargo" test --locked --no-fail-fast --release --workspace "${excluded[@]}")

# step NAME COMMAND…: runs COMMAND with its output in $logs/NAME.log (and on the terminal),
# appends "NAME  seconds  ok|FAILED  passed  failed" to the table.
step() {
	local name=$1
	shift
	local file="$logs/${name// /-}.log" t0 t1 rc passed failed
	t0=$(date +%s%N)
	echo "━━━━ $name: $*"
	"$@" 2>&1 | tee "$file"
	rc=${PIPESTATUS[0]}
	t1=$(date +%s%N)
	read -r passed failed < <(count_tests "$file")
	[ "$rc" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
	printf '%s\t%d.%d\t%s\t%s\t%s\n' "$name" $(((t1 - t0) / 1000000000)) $(((t1 - t0) / 100000000 % 10)) \
		"$([ "$rc" -eq 0 ] && echo ok || echo FAILED)" "$passed" "$failed" >> "$tsv"
	return "$rc"
}

# Passed and failed test counts in a log: cargo's "test result:" lines, Python unittest's summary.
count_tests() {
	awk '
		/^test result: / { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
		/^Ran [0-9]+ tests? in / { ran = $2 }
		/^e2e: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4 }
		/^FAILED \(/ { if (match($0, /failures=[0-9]+/)) uf += substr($0, RSTART + 9, RLENGTH - 9); if (match($0, /errors=[0-9]+/)) uf += substr($0, RSTART + 7, RLENGTH - 7) }
		END { if (ran) { p += ran - uf; f += uf } printf "%d %d\n", p, f }
	' "$1"
}

failed_steps=()
run_step() { step "$@" || failed_steps+=("$1"); }

# The table: each row with the previous run's figure for the same step.
table() {
	local total=$(( $(date +%s) - started ))
	printf 'total (wall)\t%s\t%s\t\t\n' "$total" "$([ ${#failed_steps[@]} -eq 0 ] && echo ok || echo FAILED)" >> "$tsv"
	echo
	echo "━━━━ make test: timings (this run's logs: $logs)"
	awk -F'\t' -v prev="$logs/previous.tsv" '
		BEGIN {
			while ((getline line < prev) > 0) { split(line, c, "\t"); before[c[1]] = c[2] }
			printf "%-38s %10s %10s  %-6s  %s\n", "step", "this run", "last run", "result", "tests"
		}
		{
			last = ($1 in before) ? sprintf("%8.0f s", before[$1]) : "         -"
			tests = ($4 + $5 > 0) ? sprintf("%d passed, %d failed", $4, $5) : ""
			name = $1; if (name ~ /^e2e [a-z]+\//) name = "    " name
			printf "%-38s %8.0f s %s  %-6s  %s\n", name, $2, last, $3, tests
		}
	' "$tsv"
	cp "$tsv" "$timings_dir/latest.tsv"
	local rust_p rust_f e2e_p e2e_f api_p api_f
	read -r rust_p rust_f < <(awk -F'\t' '$1 ~ /^rust / { p += $4; f += $5 } END { printf "%d %d\n", p, f }' "$tsv")
	read -r api_p api_f < <(awk -F'\t' '$1 == "api (openai SDK)" { p += $4; f += $5 } END { printf "%d %d\n", p, f }' "$tsv")
	read -r e2e_p e2e_f < <(awk -F'\t' '$1 ~ /^e2e lane / { p += $4; f += $5 } END { printf "%d %d\n", p, f }' "$tsv")
	echo
	echo "Rust tests: $rust_p passed, $rust_f failed; API tests: $api_p passed, $api_f failed; e2e tests: $e2e_p passed, $e2e_f failed"
	echo "make test took $((total / 60)) min $((total % 60)) s${failed_steps:+; failed: ${failed_steps[*]}}"
	echo "total: $((rust_p + api_p + e2e_p)) passed, $((rust_f + api_f + e2e_f)) failed"
}

if ! step deps make --no-print-directory deps \
	|| ! step "build (release)" "$cargo" build --locked --release --workspace \
	|| ! step "build tests (pallets, testing)" "${pallets_test[@]}" --no-run \
	|| ! step "build tests (release)" "${release_test[@]}" --no-run; then
	failed_steps+=(build)
	table
	exit 1
fi

rust_lane() {
	run_step "chain-spec check" tests/scripts/check-chain-specs.sh "$target/release/sprint-node"
	if [[ $steps == *rust* ]]; then
		run_step "rust pallets (testing)" nice -n 19 "${pallets_test[@]}"
		run_step "rust runtime+node+worker" nice -n 19 "${release_test[@]}"
	fi
	if [[ $steps == *api* ]]; then
		run_step "api (openai SDK)" nice -n 19 "$SPRINT_PYTHON" -m unittest discover -s tests/api -v
	fi
	# The failures travel to the parent through a file: this runs in a subshell.
	printf '%s\n' "${failed_steps[@]}" > "$logs/rust-lane.failed"
}

if [[ $steps == *e2e* ]]; then
	rust_lane > "$logs/rust-lane.out" 2>&1 &
	rust_pid=$!
	echo "━━━━ Rust, chain-spec and API tests run beside the e2e lanes (their output: $logs/rust-lane.out)"
	run_step "e2e (wall)" node tests/scripts/e2e-lanes.mjs --timings "$tsv"
	wait "$rust_pid"
	cat "$logs/rust-lane.out"
	while read -r failed; do [ -n "$failed" ] && failed_steps+=("$failed"); done < "$logs/rust-lane.failed"
else
	rust_lane
fi

table
[ ${#failed_steps[@]} -eq 0 ]
