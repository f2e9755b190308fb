# One command to run the mock, one to test it; each creates the environment it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
ARGS ?=
# Examples schemathesis tries per operation in `make test`; `make contract-deep` tries more.
CONTRACT_EXAMPLES ?= 3
DEEP_EXAMPLES ?= 50
# Fuzzed examples per operation of negative fuzzing over every operation (invalid requests must
# be refused, never a 5xx); `make test` runs it over a fixed sample of the operations.
NEGATIVE_EXAMPLES ?= 1
NEGATIVE_DEEP_EXAMPLES ?= 10

.PHONY: run test unit contract contract-deep contract-negative lint format bench bench-startup bench-scoped bench-soak bench-steering bench-loop-lag bench-sqlite bench-redis bench-docs browser clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)  ## serve the mock on http://127.0.0.1:8000 (pass options with ARGS="--seed 7 --port 9000")
	$(BIN)/ibl-mock serve $(ARGS)

test: $(STAMP)  ## lint, type-check and the whole test suite (unit, integration, contract)
	$(MAKE) --no-print-directory lint
	IBL_MOCK_CONTRACT_EXAMPLES=$(CONTRACT_EXAMPLES) $(BIN)/python -m pytest -n 2 -q

unit: $(STAMP)  ## the fast tests only (no schemathesis)
	$(BIN)/python -m pytest -n 2 -q tests/unit tests/integration

browser: $(STAMP)  ## the dashboard, /docs/ and the TypeScript client in headless chromium (needs chromium)
	$(BIN)/python -m pytest -n 2 -q tests/browser

contract: $(STAMP)  ## schemathesis over every operation
	IBL_MOCK_CONTRACT_EXAMPLES=$(CONTRACT_EXAMPLES) $(BIN)/python -m pytest -n 2 -q tests/contract

contract-deep: $(STAMP)  ## schemathesis with DEEP_EXAMPLES examples per operation and 500 stateful scenarios (slow)
	IBL_MOCK_CONTRACT_EXAMPLES=$(DEEP_EXAMPLES) IBL_MOCK_STATEFUL_SCENARIOS=500 \
		IBL_MOCK_NEGATIVE_EXAMPLES=$(NEGATIVE_DEEP_EXAMPLES) $(BIN)/python -m pytest -n 2 -q tests/contract

contract-negative: $(STAMP)  ## schemathesis negative mode over every operation (make test: a sample): 4xx for invalid input, never a 5xx
	IBL_MOCK_NEGATIVE_EXAMPLES=$(NEGATIVE_EXAMPLES) $(BIN)/python -m pytest -n 2 -q tests/contract/test_negative.py

lint: $(STAMP)  ## ruff and mypy
	$(BIN)/ruff check mock_server tests bench
	$(BIN)/ruff format --check mock_server tests bench
	$(BIN)/mypy

format: $(STAMP)  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix mock_server tests bench
	$(BIN)/ruff format mock_server tests bench

bench: $(STAMP)  ## ibl-mock against Prism 5.14.2: start-up, req/s, p50/p99, memory (about 8 min; ARGS="--runs 1")
	$(BIN)/python -m bench.peers $(ARGS)

bench-startup: $(STAMP)  ## start-up time and peak memory, cold and warm cache
	$(BIN)/python -m bench.startup

bench-scoped: $(STAMP)  ## a small list's latency before and after 40,000 records in other tenants
	$(BIN)/python -m bench.scoped_list $(ARGS)

bench-soak: $(STAMP)  ## mixed reads and writes at 8 connections for ARGS="--minutes N" (default 10): req/s and RSS over time
	$(BIN)/python -m bench.soak $(ARGS)

bench-steering: $(STAMP)  ## GET mix with no steering and with one override elsewhere (ARGS="--baseline DIR" adds an older checkout)
	$(BIN)/python -m bench.steering $(ARGS)

bench-loop-lag: $(STAMP)  ## a fast request's latency beside clients sending a slow one
	$(BIN)/python -m bench.loop_lag $(ARGS)

bench-redis: $(STAMP)  ## the GET mix on the memory store, on --store redis:// with 1 worker and with 2 (needs redis-server)
	$(BIN)/python -m bench.redis_workers $(ARGS)

bench-sqlite: $(STAMP)  ## creates/s with --data (SQLite, synced in groups) beside in memory (ARGS="--runs 1")
	$(BIN)/python -m bench.sqlite_creates $(ARGS)

bench-docs: $(STAMP)  ## time until /docs/ is interactive in headless chromium (ARGS="--runs N")
	$(BIN)/python -m bench.docs_render $(ARGS)

clean:  ## remove the environment, the caches, and ibl-mock's cache of parsed documents and worlds
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis bench/.work
	rm -rf "$${IBL_MOCK_CACHE_DIR:-$${XDG_CACHE_HOME:-$$HOME/.cache}/ibl-mock}"
