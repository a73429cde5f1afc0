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

.PHONY: help setup spark-setup build test test-spark parse-databricks lint \
	dbt-build pytest docs wheel clean bench bench-smoke

help:
	@echo "make build  install, then dbt build (seeds, models, tests) on DuckDB"
	@echo "make test   install, then linters, dbt build, pytest, Spark stage"
	@echo "make test-spark  SQL models and all unit tests on a local Spark"
	@echo "make wheel  build the ml package wheel for Databricks into dist/"
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

# Spark runs on the JVM. A fresh machine may have no Java, so install
# Debian's headless runtime when none is on the PATH.
$(BIN)/.spark-installed: requirements-spark.txt $(BIN)/.installed
	command -v java >/dev/null || { apt-get update \
		&& apt-get install --yes --no-install-recommends openjdk-17-jre-headless; }
	$(BIN)/python -m pip install --quiet -r requirements-spark.txt \
		-c requirements.lock
	touch $@

spark-setup: setup $(BIN)/.spark-installed

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

pytest: setup spark-setup
	$(BIN)/python -m pytest

# The Spark driver listens on loopback only.
export SPARK_LOCAL_IP ?= 127.0.0.1

# Tables and metastore of make test-spark, made anew on every run.
SPARK_TEST_DIR := target/spark-test
DBT_SPARK := TAXI_TIPS_SPARK_DIR=$(SPARK_TEST_DIR) $(DBT)
# The Python models (and what reads them) need Databricks to run on Spark.
PYTHON_MODELS := path:models/ml/*.py

# Every SQL model, data test and unit test on a local Spark session. The seed
# files are read by Spark itself (create_seed_tables_from_csv), because
# dbt seed on the session method is slow and breaks on apostrophes. Gold's
# unit tests need taxi_tip_scored to exist, so an empty table of its declared
# columns stands in for the Python model's output.
test-spark: spark-setup
	rm -rf $(SPARK_TEST_DIR)
	$(DBT_SPARK) run-operation create_seed_tables_from_csv --target spark
	$(DBT_SPARK) build --target spark --vars '{raw_trips_from_seeds: false}' \
		--exclude resource_type:seed '$(PYTHON_MODELS)+'
	$(DBT_SPARK) run-operation create_empty_python_model_tables --target spark
	$(DBT_SPARK) test --target spark --select 'test_type:unit,$(PYTHON_MODELS)+'

# Placeholder credentials: dbt parse reads the profile but connects nowhere.
parse-databricks: setup
	DATABRICKS_HOST=example.cloud.databricks.com \
	DATABRICKS_HTTP_PATH=/sql/1.0/warehouses/placeholder \
	DATABRICKS_TOKEN=placeholder \
	DATABRICKS_CATALOG=main \
	DATABRICKS_CLUSTER_ID=placeholder \
	TAXI_TIPS_ML_WHEEL=/Volumes/main/taxi_tips/wheels/placeholder.whl \
		$(DBT) parse --target databricks --target-path target/databricks

# The ml package as a wheel, for the Python models on a Databricks cluster.
wheel: setup
	rm -rf dist
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .

test: lint dbt-build pytest test-spark parse-databricks

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
	rm -rf target logs dbt_packages mlruns dist derby.log metastore_db \
		spark-warehouse taxi_tips.duckdb taxi_tips.duckdb.wal
