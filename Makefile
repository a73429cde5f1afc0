# Set-up and entry points. `make build` and `make test` create the virtual
# environment and the dbt profile on first use, so they work on a fresh clone.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DBT := $(BIN)/dbt

# dbt reads profiles.yml from the project folder unless told otherwise.
export DBT_PROFILES_DIR ?= $(CURDIR)

# DuckDB memory_limit of the benchmark builds on resampled trips, so that the
# dbt process tree stays within the 6 GB that BENCHMARKS.md targets.
BENCH_DUCKDB_MEMORY_LIMIT ?= 3GB
BENCH := $(BIN)/python bench/run_bench.py
BENCH_RESULTS := bench/data/results

.PHONY: help setup build test lint dbt-build pytest docs clean bench bench-smoke

help:
	@echo "make build  install, then dbt build (seeds, models, tests) on DuckDB"
	@echo "make test   install, then linters, dbt build and pytest"
	@echo "make docs   generate the dbt docs site into target/"
	@echo "make lint   ruff, sqlfluff and yamllint"
	@echo "make bench  time dbt build on the seeds, 1M and 10M trips (about 30 min)"
	@echo "make bench-smoke  the benchmark on 100,000 resampled trips"
	@echo "make clean  remove build output and the local DuckDB and MLflow files"

$(BIN)/.installed: requirements.txt requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -c requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --editable .
	touch $@

profiles.yml:
	cp profiles.yml.example profiles.yml

setup: $(BIN)/.installed profiles.yml

build: setup
	$(DBT) build

dbt-build: build

docs: setup
	$(DBT) docs generate

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/yamllint --strict .
	$(BIN)/sqlfluff lint models tests analyses

pytest: setup
	$(BIN)/python -m pytest

test: lint dbt-build pytest

bench: setup
	$(BENCH) --json $(BENCH_RESULTS)/shipped.json
	$(BENCH) --rows 1000000 --memory-limit $(BENCH_DUCKDB_MEMORY_LIMIT) \
		--json $(BENCH_RESULTS)/rows_1000000.json
	$(BENCH) --rows 10000000 --memory-limit $(BENCH_DUCKDB_MEMORY_LIMIT) \
		--json $(BENCH_RESULTS)/rows_10000000.json

bench-smoke: setup
	$(BENCH) --rows 100000 --scoring-rows 100000 \
		--memory-limit $(BENCH_DUCKDB_MEMORY_LIMIT)

clean:
	rm -rf target logs dbt_packages mlruns taxi_tips.duckdb taxi_tips.duckdb.wal
