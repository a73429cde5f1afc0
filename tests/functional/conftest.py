"""Fixtures that build the real dbt project on a temporary DuckDB database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"

# Folders that belong to a local run, not to the project.
_NOT_COPIED = (
    ".venv",
    ".git",
    "target",
    "logs",
    "dbt_packages",
    "mlruns",
    "profiles.yml",
    "*.duckdb",
    "*.duckdb.wal",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
)


@dataclass(frozen=True)
class BuiltProject:
    """A copy of the project in a temporary folder, built with dbt."""

    project_dir: Path
    database_path: Path

    def dbt(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a dbt command in the copy and return the finished process."""
        return run_dbt(self.project_dir, *args)

    def query(self, sql: str) -> list[tuple]:
        """Run SQL on the built database, read-only, and return all rows."""
        with duckdb.connect(str(self.database_path), read_only=True) as connection:
            return connection.execute(sql).fetchall()


# Settings of the user's own runs that must not leak into a test build.
# mlflow.set_tracking_uri and set_registry_uri also write the MLflow ones, so
# earlier tests in the same process would otherwise point dbt at their stores.
_CLEARED_ENVIRONMENT = (
    "DBT_TARGET",
    "TAXI_TIPS_DUCKDB_PATH",
    "TAXI_TIPS_SPARK_DIR",
    "MLFLOW_TRACKING_URI",
    "MLFLOW_REGISTRY_URI",
)


def run_dbt(
    project_dir: Path, *args: str, environment: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run dbt in project_dir with the profile found there.

    ``environment`` adds variables to a copy of this process's environment.
    """
    environment = {
        **{
            name: value
            for name, value in os.environ.items()
            if name not in _CLEARED_ENVIRONMENT
        },
        **(environment or {}),
    }
    return subprocess.run(
        [str(DBT_EXECUTABLE), *args, "--profiles-dir", str(project_dir)],
        cwd=project_dir,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def copy_project(destination: Path) -> Path:
    """Copy the project's own files to destination with a DuckDB profile."""
    shutil.copytree(
        PROJECT_DIR, destination, ignore=shutil.ignore_patterns(*_NOT_COPIED)
    )
    shutil.copy(destination / "profiles.yml.example", destination / "profiles.yml")
    return destination


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltProject]:
    """The project copied to a temporary folder and built with `dbt build`."""
    project_dir = copy_project(tmp_path_factory.mktemp("build") / "project")
    result = run_dbt(project_dir, "build")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    yield BuiltProject(project_dir, project_dir / "taxi_tips.duckdb")
