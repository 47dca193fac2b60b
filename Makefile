# Inkwell: `make run` serves on http://127.0.0.1:8000, `make test` runs every check.
.DEFAULT_GOAL := help
SHELL := /bin/bash

# The venv's Python: python3.12 (the image's) where it runs, else python3 (3.11+).
PYTHON ?= $(shell python3.12 -c '' 2>/dev/null && echo python3.12 || echo python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Every install takes the exact versions of requirements/ (see `make lock`), then the
# project itself without dependencies. runtime.txt and dev.txt are subsets of lock.txt.
REQ    := requirements
UV_VERSION ?= 0.13.9
# xdist workers for the suite: measured on 2 cores, the tests wait on I/O (see README).
PYTEST_WORKERS ?= 3
# The Python client (clients/python) is installed beside the project by every dev install.
CLIENT := clients/python
# checkov pins libraries older than the app's (requirements/checkov.in): a venv of its own.
CHECKOV := $(VENV)/tools/checkov/bin/checkov
LINTED := src tests migrations scripts bench locustfile.py $(CLIENT)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11+ is required (PYTHON=$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: $(BIN)/python pyproject.toml $(REQ)/runtime.txt
	$(BIN)/python -m pip install --quiet -r $(REQ)/runtime.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.dev: $(BIN)/python pyproject.toml $(REQ)/dev.txt $(CLIENT)/pyproject.toml
	$(BIN)/python -m pip install --quiet -r $(REQ)/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e . -e ./$(CLIENT)
	@touch $@ $(VENV)/.runtime

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

.PHONY: install
install: $(VENV)/.dev $(CHECKOV) ## Create .venv with the runtime, test and dev dependencies (and checkov's own venv)

.PHONY: migrate
migrate: $(VENV)/.runtime ## Migrate the configured database (DATABASE_URL) to head
	$(BIN)/inkwell migrate

.PHONY: run
run: migrate ## Set up, migrate and serve on http://$(HOST):$(PORT)
	LOG_FORMAT=$${LOG_FORMAT:-console} SERVER_TIMING=$${SERVER_TIMING:-true} \
		$(BIN)/inkwell serve --host $(HOST) --port $(PORT)

.PHONY: seed
seed: migrate ## Add demo data (users' password: inkwell-demo)
	$(BIN)/inkwell seed --users 100 --posts 2000 --tags 30

.PHONY: lint
lint: $(VENV)/.dev ## ruff (lint and format check) and mypy --strict, the client's too
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy src
	$(BIN)/mypy --strict $(CLIENT)/src
	$(BIN)/hadolint Dockerfile deploy/compose/*.Containerfile

.PHONY: fmt
fmt: $(VENV)/.dev ## Format and autofix
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)

.PHONY: client
client: $(VENV)/.dev ## Regenerate the Python client's models from the app's OpenAPI description
	$(BIN)/python scripts/client_models.py

# newman runs the official RealWorld (Conduit) suite, read from ../shared/realworld/ or
# REALWORLD_DIR (never committed here); newman is pinned by its package-lock.json.
REALWORLD := tests/realworld
NEWMAN    := $(REALWORLD)/node_modules/.bin/newman

$(NEWMAN): $(REALWORLD)/package.json $(REALWORLD)/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 18+) is required for the RealWorld suite"; exit 1; }
	npm ci --prefix $(REALWORLD) --no-audit --no-fund --loglevel=error
	@touch $@

$(CHECKOV): $(BIN)/python $(REQ)/checkov.txt
	$(BIN)/python -m venv $(VENV)/tools/checkov
	$(VENV)/tools/checkov/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/tools/checkov/bin/python -m pip install --quiet -r $(REQ)/checkov.txt
	@touch $@

.PHONY: newman
newman: $(NEWMAN) ## Install newman (pinned) for the official RealWorld suite

.PHONY: realworld
realworld: $(VENV)/.dev $(NEWMAN) ## The official RealWorld suite alone, on SQLite and PostgreSQL
	$(BIN)/pytest -p no:cacheprovider tests/conduit/test_official_suite.py $(PYTEST_ARGS)

# Coverage through sys.monitoring where the venv's Python has it (3.12+): the suite then runs at
# nearly its unmeasured speed, where 3.11's tracer makes it half as slow again (pyproject.toml).
COVERAGE_ENV = $(if $(filter 1,$(shell $(BIN)/python -c 'import sys; print(int(sys.version_info >= (3, 12)))')),COVERAGE_CORE=sysmon COVERAGE_CONCURRENCY=thread)

.PHONY: pytest
pytest: $(VENV)/.dev $(NEWMAN) $(CHECKOV) ## The test suite alone (the client and the RealWorld suite against live servers), with coverage (>= 90%)
	bash scripts/system-packages.sh
	$(COVERAGE_ENV) $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup --cov --cov-report=term $(PYTEST_ARGS)

.PHONY: test
test: lint pytest ## Set up and run everything: static checks and the whole suite

.PHONY: check
check: test ## What review runs (same as test)

# Root and podman (../shared/tools/CONTAINERS.md): podman-compose runs compose.yaml with images
# built here, on a free port, under a project name of its own, and removes what it made.
.PHONY: deploy-check
deploy-check: ## Build the images, run compose.yaml with podman-compose and check it through the load balancer (restarts included), then play deploy/k8s with podman kube play
	bash scripts/deploy-check.sh

$(VENV)/.bench: $(BIN)/python pyproject.toml $(REQ)/lock.txt $(CLIENT)/pyproject.toml
	$(BIN)/python -m pip install --quiet -r $(REQ)/lock.txt
	$(BIN)/python -m pip install --quiet --no-deps -e . -e ./$(CLIENT)
	@touch $@ $(VENV)/.runtime $(VENV)/.dev

.PHONY: bench
bench: $(VENV)/.bench ## Benchmark against ../shared/bench (BENCH_SECONDS, BENCH_ROUNDS), then the CPU per layer
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/layers.py $(BENCH_LAYERS_ARGS)

LOAD_SECONDS ?= 60
LOAD_USERS   ?= 50
LOAD_P99_MS  ?= 250

.PHONY: load
load: $(VENV)/.dev ## Locust on a seeded PostgreSQL server (LOAD_SECONDS, LOAD_USERS, LOAD_P99_MS)
	$(BIN)/python bench/loadtest.py --seconds $(LOAD_SECONDS) --users $(LOAD_USERS) \
		--p99-ms $(LOAD_P99_MS) $(LOAD_ARGS)

FUZZ_DATABASE_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/inkwell_fuzz
FUZZ_EXAMPLES ?= 2500

.PHONY: fuzz
fuzz: $(VENV)/.dev ## Long schemathesis run on PostgreSQL (FUZZ_EXAMPLES per operation, ~10 min)
	FUZZ_DATABASE_URL=$(FUZZ_DATABASE_URL) FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
		$(BIN)/pytest -p no:cacheprovider tests/fuzz

LOCK_FLAGS := --universal --python-version 3.11 --generate-hashes --annotation-style line \
	--custom-compile-command 'make lock' --quiet

.PHONY: lock
lock: $(BIN)/python ## Re-resolve requirements/ from pyproject.toml (LOCK_ARGS=--upgrade: newest versions)
	$(BIN)/python -m pip install --quiet 'uv==$(UV_VERSION)'
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra bench $(LOCK_FLAGS) $(LOCK_ARGS) \
		-o $(REQ)/lock.txt
	$(BIN)/uv pip compile pyproject.toml -c $(REQ)/lock.txt $(LOCK_FLAGS) -o $(REQ)/runtime.txt
	$(BIN)/uv pip compile pyproject.toml --extra dev -c $(REQ)/lock.txt $(LOCK_FLAGS) \
		-o $(REQ)/dev.txt
	$(BIN)/uv pip compile $(REQ)/checkov.in $(LOCK_FLAGS) $(LOCK_ARGS) -o $(REQ)/checkov.txt

.PHONY: clean
clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
