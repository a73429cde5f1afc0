"""Fixtures for tests on a real local Spark session (pyspark and Java needed)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import mlflow
import pytest

# Spark starts its Python workers with PYSPARK_PYTHON, which must be this
# interpreter so that they import the same mlflow and ml packages. The driver
# listens on loopback only.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A local Spark session in ANSI mode and UTC, stopped after the tests."""
    from pyspark.sql import SparkSession

    folder = tmp_path_factory.mktemp("spark")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("taxi_tips_tests")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.warehouse.dir", str(folder / "warehouse"))
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(autouse=True)
def _reset_mlflow(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # mlflow.set_tracking_uri copies the URI into MLFLOW_TRACKING_URI, so clear
    # the variables and MLflow's global state around every test.
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)
