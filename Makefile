# paperhouse: `make help` lists the targets. Everything runs inside ./.venv, built on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# DuckDB clients the project did not write, each in its own environment (never the project's venv):
# the duckdb CLI 1.5 and 1.4 from PyPI, a Superset-like Python (duckdb 1.4, SQLAlchemy 1.4, psycopg2), and
# @duckdb/node-api from npm (what Evidence's duckdb source runs).
CLIENTS ?= .clients
CLIENT_ENVS := cli-1.5 cli-1.4 superset
CLIENTS_STAMP := $(CLIENTS)/.installed-stamp
# `make test` runs the suite on pytest-xdist workers, whole files each (pyproject.toml's addopts: --dist
# loadfile); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= 2

.PHONY: help install clients run test test-postgres ui dagster-load bench bench-incremental bench-postgres lint lock clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the project with its locked dependencies

$(CLIENTS_STAMP): $(foreach env,$(CLIENT_ENVS),tests/clients/requirements-$(env).txt) tests/clients/node-api/package.json
	for env in $(CLIENT_ENVS); do \
	  $(PYTHON) -m venv $(CLIENTS)/$$env && \
	  $(CLIENTS)/$$env/bin/pip install --quiet -r tests/clients/requirements-$$env.txt || exit 1; \
	done
	chmod +x $(CLIENTS)/cli-*/bin/duckdb  # the 1.4 wheel installs its binary without the execute bit
	mkdir -p $(CLIENTS)/node-api && cp tests/clients/node-api/package.json $(CLIENTS)/node-api/
	# @duckdb/node-api, as Evidence's duckdb source runs it; pinned exactly, and it pins its bindings exactly
	cd $(CLIENTS)/node-api && npm install --no-package-lock --no-audit --no-fund --silent
	touch $(CLIENTS_STAMP)

clients: $(CLIENTS_STAMP)  ## build .clients/: the duckdb CLI 1.5 and 1.4, a Superset-like Python and @duckdb/node-api, for the client tests

run: $(STAMP)  ## load the bundled sample dumps (data/raw) into warehouse/paperhouse.duckdb
	$(BIN)/paperhouse load

test: $(STAMP) $(CLIENTS_STAMP)  ## run the whole test suite on TEST_WORKERS processes (with the client environments of `make clients`)
	PAPERHOUSE_CLIENTS=$(CURDIR)/$(CLIENTS) $(BIN)/pytest -n $(TEST_WORKERS)

test-postgres: $(STAMP) $(CLIENTS_STAMP)  ## the suite with a throwaway PostgreSQL server (.ci/with-postgres), as CI runs it
	PAPERHOUSE_REQUIRE_POSTGRES=1 .ci/with-postgres $(MAKE) test

ui: $(STAMP)  ## start `dagster dev` with the project loaded (http://127.0.0.1:3000)
	DAGSTER_HOME=$(CURDIR)/dagster_home PAPERHOUSE_BIN=$(CURDIR)/$(BIN) scripts/ui.sh

dagster-load: $(STAMP)  ## headless "Materialize all": every dump partition in one run, then the views
	DAGSTER_HOME=$(CURDIR)/dagster_home $(BIN)/python -m orchestration.backfill

bench: $(STAMP)  ## the benchmark at 100 MB: stages, cat floor, bare pipeline, dlt merge, ORM baseline (SIZE_MB=1000 for 1 GB)
	$(BIN)/python -m bench.run --size-mb $(or $(SIZE_MB),100)

bench-incremental: $(STAMP)  ## time adding one dump to a ~5k and a ~500k-paper warehouse (builds them once, minutes)
	$(BIN)/python -m bench.incremental

bench-postgres: $(STAMP)  ## bench.run and bench.incremental with PostgreSQL beside DuckDB, on a throwaway server at default durability
	PAPERHOUSE_PG_DURABLE=1 .ci/with-postgres sh -c 'export PAPERHOUSE_BENCH_POSTGRES_URL="$$PAPERHOUSE_TEST_POSTGRES_URL"; \
	  $(BIN)/python -m bench.run --size-mb $(or $(SIZE_MB),100) --engine postgresql --skip bare,dlt,baseline && \
	  $(BIN)/python -m bench.copy_paths --postgres-url "$$PAPERHOUSE_TEST_POSTGRES_URL" && \
	  $(BIN)/python -m bench.incremental --engine postgresql'

lint: $(STAMP)  ## ruff on the code
	$(BIN)/ruff check etl models migrations orchestration tests bench scripts

lock:  ## re-resolve requirements.lock from pyproject.toml in a scratch venv
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	.lock-venv/bin/pip freeze --exclude-editable > requirements.lock
	rm -rf .lock-venv

clean:  ## remove the venv, the warehouse and caches
	rm -rf $(VENV) $(CLIENTS) warehouse .pytest_cache .hypothesis
	find dagster_home -mindepth 1 ! -name dagster.yaml -exec rm -rf {} +
