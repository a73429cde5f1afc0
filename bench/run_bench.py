"""Benchmark `dbt build` and champion scoring, and print the figures.

Each run copies the project to a temporary folder (as the functional tests
do), so every build starts from a new DuckDB file and a new MLflow store.
It prints the machine, the load averages before and after, the wall time of
the whole `dbt build`, each model's time from target/run_results.json, the
peak memory of the dbt process tree and the table row counts. It then
scores the test trips with the champion model and prints trips per second.

Without ``--rows`` the build reads the shipped seeds. With ``--rows N`` the
harness writes N trips resampled from the seeds (bench/generate_trips.py)
to bench/data/ and the build reads that parquet file instead; see
:func:`raw_trip_arguments` for how.

Usage::

    python bench/run_bench.py                  # the shipped trips
    python bench/run_bench.py --rows 1000000   # 1M resampled trips
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_trips import write_resampled_trips  # noqa: E402

PROJECT_DIR = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_DIR / "bench" / "data"
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"

# Files of a local run that the copy must not take along.
NOT_COPIED = (
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
    "data",
)
CLEARED_ENVIRONMENT = ("DBT_TARGET", "TAXI_TIPS_DUCKDB_PATH", "MLFLOW_TRACKING_URI")
RAW_SEEDS = ("raw_yellow_tripdata_2016_01", "raw_yellow_tripdata_2016_03")
RSS_SAMPLE_SECONDS = 0.2
COUNTED_TABLES = (
    "medallion_bronze.taxi_trips_raw",
    "medallion_silver.taxi_trips_cleaned",
    "medallion_silver.taxi_trips_rejected",
    "medallion_ml.taxi_tip_features",
    "medallion_ml.taxi_tip_train",
    "medallion_ml.taxi_tip_test",
)


@dataclass
class TreeMemorySampler:
    """Sample the summed resident memory of a process and its descendants."""

    root_pid: int
    peak_bytes: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(self.root_pid))
            self._stop.wait(RSS_SAMPLE_SECONDS)


def tree_rss_bytes(root_pid: int) -> int:
    """Return the summed VmRSS of ``root_pid`` and its descendants, from /proc."""
    total = 0
    pending = [root_pid]
    while pending:
        pid = pending.pop()
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending.extend(
                    int(child) for child in (task / "children").read_text().split()
                )
        except (FileNotFoundError, ProcessLookupError):
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        if match:
            total += int(match.group(1)) * 1024
    return total


def machine_description() -> dict[str, str]:
    """Return the core count, memory size and CPU model of this machine."""
    cpu_model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    memory_kb = int(
        re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.M)[1]
    )
    return {
        "nproc": str(os.cpu_count()),
        "memory_gib": f"{memory_kb / 2**20:.1f}",
        "cpu_model": cpu_model,
    }


def load_averages() -> str:
    """Return the 1, 5 and 15 minute load averages as uptime prints them."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def copy_project(destination: Path) -> Path:
    """Copy the project to ``destination`` with a DuckDB profile."""
    shutil.copytree(
        PROJECT_DIR, destination, ignore=shutil.ignore_patterns(*NOT_COPIED)
    )
    shutil.copy(destination / "profiles.yml.example", destination / "profiles.yml")
    return destination


def project_defines_var(name: str) -> bool:
    """Return whether dbt_project.yml declares the dbt var ``name``."""
    text = (PROJECT_DIR / "dbt_project.yml").read_text()
    return re.search(rf"^\s+{re.escape(name)}:", text, re.MULTILINE) is not None


# Scale builds tune HistGradientBoosting instead of the default
# GradientBoosting grid, whose exact fits take minutes each on the 500,000-row
# tuning sample. Both are documented ml settings.
SCALE_TUNING_VARS = {
    "ml_settings": {"tuning_estimator": "HistGradientBoostingRegressor"},
    "ml_param_grid": {
        "loss": ["absolute_error"],
        "learning_rate": [0.05, 0.1],
        "max_iter": [100, 200],
        "max_leaf_nodes": [31, 63],
    },
}


def raw_trip_arguments(project_dir: Path, trips_file: Path) -> list[str]:
    """Return the dbt arguments that make bronze read ``trips_file``.

    When the project has the ``raw_trips_path`` var, the file is passed
    through it. Otherwise the two tlc source tables are created in the new
    DuckDB file as views over the parquet file (the second one empty), and
    the build runs with ``raw_trips_from_seeds: false`` and without the raw
    seeds, which would replace those views.
    """
    if project_defines_var("raw_trips_path"):
        variables = {"raw_trips_path": str(trips_file), **SCALE_TUNING_VARS}
        return ["--vars", json.dumps(variables)]
    with duckdb.connect(str(project_dir / "taxi_tips.duckdb")) as connection:
        connection.execute("create schema if not exists raw")
        path = str(trips_file).replace("'", "''")
        for index, table in enumerate(RAW_SEEDS):
            limit = "" if index == 0 else " limit 0"
            connection.execute(
                f"create view raw.{table} as "
                f"select * from read_parquet('{path}'){limit}"
            )
    return [
        "--vars",
        json.dumps({"raw_trips_from_seeds": False, **SCALE_TUNING_VARS}),
        "--exclude",
        *RAW_SEEDS,
    ]


def run_dbt_build(
    project_dir: Path, extra_arguments: list[str], memory_limit: str | None
) -> dict:
    """Run `dbt build` in ``project_dir`` and measure time and peak memory."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in CLEARED_ENVIRONMENT
    }
    if memory_limit:
        environment["TAXI_TIPS_DUCKDB_MEMORY_LIMIT"] = memory_limit
    command = [
        str(DBT_EXECUTABLE),
        "build",
        "--profiles-dir",
        str(project_dir),
        *extra_arguments,
    ]
    load_before = load_averages()
    log_path = project_dir / "bench_dbt_build.log"
    started = time.perf_counter()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=project_dir, env=environment, stdout=log, stderr=log
        )
        sampler = TreeMemorySampler(process.pid)
        sampler.start()
        return_code = process.wait()
        sampler.stop()
    wall_seconds = time.perf_counter() - started
    # ru_maxrss of the waited-for children: the largest single process, in KiB.
    max_single_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    if return_code != 0:
        tail = log_path.read_text()[-4000:]
        raise RuntimeError(
            f"dbt build failed with exit code {return_code} in {project_dir}; "
            f"the end of its output:\n{tail}"
        )
    run_results = json.loads((project_dir / "target/run_results.json").read_text())
    node_seconds = {
        result["unique_id"]: result["execution_time"]
        for result in run_results["results"]
    }
    return {
        "command": " ".join(["dbt", "build", *extra_arguments]),
        "wall_seconds": wall_seconds,
        "dbt_elapsed_seconds": run_results["elapsed_time"],
        "peak_tree_rss_bytes": sampler.peak_bytes,
        "max_single_process_rss_bytes": max_single_rss,
        "load_before": load_before,
        "load_after": load_averages(),
        "node_seconds": node_seconds,
    }


def table_counts(database: Path) -> dict[str, int]:
    """Return the row count of each table in :data:`COUNTED_TABLES`."""
    with duckdb.connect(str(database), read_only=True) as connection:
        counts = {
            table: connection.execute(f"select count(*) from {table}").fetchall()[0][0]
            for table in COUNTED_TABLES
        }
        counts["duplicate rejects"] = connection.execute(
            "select count(*) from medallion_silver.taxi_trips_rejected "
            "where reject_reason = 'duplicate'"
        ).fetchall()[0][0]
        counts["final fit rows"] = connection.execute(
            "select fit_rows from medallion_ml.best_model_ref"
        ).fetchall()[0][0]
    return counts


def measure_scoring(project_dir: Path, min_rows: int) -> dict:
    """Score test trips with the champion and return trips per second.

    The test rows are repeated until there are at least ``min_rows``, so
    the figure does not depend on the size of the test table. Two figures
    are measured: ``score_trips`` from a DuckDB relation to the scored
    pandas frame (fetch, features, predict, result columns), and the
    model's ``predict`` alone on a ready feature matrix.
    """
    import mlflow

    from ml.frames import feature_matrix, to_pandas
    from ml.scoring import score_trips

    tracking_uri = f"sqlite:///{project_dir / 'mlruns' / 'mlflow.db'}"
    settings = {"tracking_uri": tracking_uri, "project_dir": str(project_dir)}
    database = project_dir / "taxi_tips.duckdb"
    with duckdb.connect(str(database), read_only=True) as connection:
        model_uri, selected = connection.execute(
            "select model_uri, selected_candidate from medallion_ml.best_model_ref"
        ).fetchall()[0]
        test_rows = connection.execute(
            "select count(*) from medallion_ml.taxi_tip_test"
        ).fetchall()[0][0]
        copies = max(1, -(-min_rows // test_rows))
        relation = connection.sql(
            "select test_rows.* from medallion_ml.taxi_tip_test as test_rows, "
            f"range({copies})"
        )
        mlflow.set_tracking_uri(tracking_uri)
        # A first call loads the model and warms the caches.
        score_trips(
            connection.sql("select * from medallion_ml.taxi_tip_test limit 1000"),
            model_uri,
            settings,
        )
        started = time.perf_counter()
        scored = score_trips(relation, model_uri, settings)
        end_to_end_seconds = time.perf_counter() - started
        features = feature_matrix(to_pandas(relation), settings)
    model = mlflow.pyfunc.load_model(model_uri)
    started = time.perf_counter()
    model.predict(features)
    predict_seconds = time.perf_counter() - started
    return {
        "model_uri": model_uri,
        "selected_candidate": selected,
        "rows": len(scored),
        "end_to_end_seconds": end_to_end_seconds,
        "end_to_end_trips_per_second": len(scored) / end_to_end_seconds,
        "predict_seconds": predict_seconds,
        "predict_trips_per_second": len(features) / predict_seconds,
    }


def trips_file_for(n_rows: int) -> tuple[Path, float | None]:
    """Return the parquet file of ``n_rows`` trips, writing it when missing."""
    path = DATA_DIR / f"yellow_tripdata_resampled_{n_rows}.parquet"
    if path.exists():
        return path, None
    started = time.perf_counter()
    write_resampled_trips(path, n_rows)
    return path, time.perf_counter() - started


def print_report(result: dict) -> None:
    """Print the figures of one benchmark run."""
    build = result["build"]
    gib = 2**30
    print(f"\n== {result['name']} ==")
    machine = result["machine"]
    print(
        f"machine: {machine['nproc']} cores, {machine['memory_gib']} GiB, "
        f"{machine['cpu_model']}; date {result['date']}"
    )
    if result.get("trips_file"):
        generated = result.get("generate_seconds")
        note = f" (written in {generated:.1f} s)" if generated else " (reused)"
        print(f"trips file: {result['trips_file']}{note}")
    print(f"command: {build['command']}")
    print(f"load averages before: {build['load_before']}, after: {build['load_after']}")
    print(f"dbt build wall time: {build['wall_seconds']:.1f} s")
    print(
        f"peak RSS of the dbt process tree: {build['peak_tree_rss_bytes'] / gib:.2f} "
        f"GiB (largest single process {build['max_single_process_rss_bytes'] / gib:.2f}"
        f" GiB)"
    )
    print("model times from run_results.json (s):")
    models = {
        unique_id.split(".")[-1]: seconds
        for unique_id, seconds in build["node_seconds"].items()
        if unique_id.startswith("model.")
    }
    for name, seconds in sorted(models.items(), key=lambda item: -item[1]):
        print(f"  {seconds:8.2f}  {name}")
    other = sum(build["node_seconds"].values()) - sum(models.values())
    print(f"  {other:8.2f}  seeds, unit tests and data tests together")
    print("rows:")
    for table, count in result["counts"].items():
        print(f"  {count:>12,}  {table}")
    scoring = result.get("scoring")
    if scoring:
        print(
            f"scoring {scoring['rows']:,} trips with {scoring['selected_candidate']} "
            f"({scoring['model_uri']}):"
        )
        print(
            f"  DuckDB relation to scored frame: "
            f"{scoring['end_to_end_seconds']:.2f} s, "
            f"{scoring['end_to_end_trips_per_second']:,.0f} trips/s"
        )
        print(
            f"  predict alone: {scoring['predict_seconds']:.2f} s, "
            f"{scoring['predict_trips_per_second']:,.0f} trips/s"
        )


def run_benchmark(args: argparse.Namespace) -> dict:
    """Build one project copy, measure it and return the figures."""
    result = {
        "name": f"{args.rows:,} resampled trips" if args.rows else "shipped trips",
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine_description(),
    }
    extra_arguments: list[str] = []
    with tempfile.TemporaryDirectory(prefix="taxi_tips_bench_") as folder:
        project_dir = copy_project(Path(folder) / "project")
        if args.rows:
            trips_file, generate_seconds = trips_file_for(args.rows)
            result["trips_file"] = str(trips_file)
            result["generate_seconds"] = generate_seconds
            extra_arguments = raw_trip_arguments(project_dir, trips_file)
        result["build"] = run_dbt_build(project_dir, extra_arguments, args.memory_limit)
        result["counts"] = table_counts(project_dir / "taxi_tips.duckdb")
        if args.scoring_rows:
            result["scoring"] = measure_scoring(project_dir, args.scoring_rows)
        if args.keep:
            kept = Path(tempfile.mkdtemp(prefix="taxi_tips_bench_kept_"))
            shutil.copytree(project_dir, kept / "project")
            result["kept_project"] = str(kept / "project")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows",
        type=int,
        default=0,
        help="resampled trips to build from; 0 (the default) builds the seeds",
    )
    parser.add_argument(
        "--scoring-rows",
        type=int,
        default=1_000_000,
        help="minimum trips to score with the champion; 0 skips scoring",
    )
    parser.add_argument(
        "--memory-limit",
        default=None,
        help="DuckDB memory_limit for the build, for example 3GB; default: "
        "the profile's",
    )
    parser.add_argument(
        "--json", type=Path, default=None, help="also write the figures to this file"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep a copy of the built project"
    )
    args = parser.parse_args()
    result = run_benchmark(args)
    print_report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
