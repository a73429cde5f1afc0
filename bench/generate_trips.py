"""Write a large trip file by resampling the shipped real trips.

Rows of ``seeds/raw/*.csv`` are drawn with replacement. The n-th draw of the
same seed row (its copy number, from 0) moves both timestamps by
``copy % 52`` whole weeks and every non-zero coordinate by ``copy // 52``
millionths of a degree. Each copy therefore has its own trip_id (the MD5 of
the parsed values), while its hour, day of week, duration, distance and
amounts stay those of a real trip. Copy 0 is the seed row unchanged.

The output is one parquet file in the TLC's 2015-2016 yellow-taxi column
layout (VendorID ... total_amount), typed as in the TLC's parquet files.
Columns are built a chunk at a time, so memory stays near
``chunk_rows`` rows whatever the file size.

Usage::

    python bench/generate_trips.py --rows 1000000 --output bench/data/x.parquet
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

PROJECT_DIR = Path(__file__).resolve().parents[1]
SEED_FILES = (
    PROJECT_DIR / "seeds/raw/raw_yellow_tripdata_2016_01.csv",
    PROJECT_DIR / "seeds/raw/raw_yellow_tripdata_2016_03.csv",
)

# The TLC's 2015-2016 yellow-taxi columns, in file order, with the types the
# TLC uses in its parquet files.
TLC_2016_SCHEMA = pa.schema(
    [
        ("VendorID", pa.int64()),
        ("tpep_pickup_datetime", pa.timestamp("us")),
        ("tpep_dropoff_datetime", pa.timestamp("us")),
        ("passenger_count", pa.int64()),
        ("trip_distance", pa.float64()),
        ("pickup_longitude", pa.float64()),
        ("pickup_latitude", pa.float64()),
        ("RatecodeID", pa.int64()),
        ("store_and_fwd_flag", pa.string()),
        ("dropoff_longitude", pa.float64()),
        ("dropoff_latitude", pa.float64()),
        ("payment_type", pa.int64()),
        ("fare_amount", pa.float64()),
        ("extra", pa.float64()),
        ("mta_tax", pa.float64()),
        ("tip_amount", pa.float64()),
        ("tolls_amount", pa.float64()),
        ("improvement_surcharge", pa.float64()),
        ("total_amount", pa.float64()),
    ]
)
TIMESTAMP_COLUMNS = ("tpep_pickup_datetime", "tpep_dropoff_datetime")
COORDINATE_COLUMNS = (
    "pickup_longitude",
    "pickup_latitude",
    "dropoff_longitude",
    "dropoff_latitude",
)
WEEKS_PER_CYCLE = 52
MICROSECONDS_PER_WEEK = 7 * 24 * 3600 * 1_000_000
JITTER_DEGREES = 1e-6
# DuckDB reads a parquet file in parallel by row group, so a file of many
# row groups of this size is read with every thread.
ROW_GROUP_ROWS = 262_144


def read_seed_trips() -> dict[str, np.ndarray]:
    """Read the shipped trips as one numpy array per 2016 column."""
    frames = [pd.read_csv(path) for path in SEED_FILES]
    trips = pd.concat(frames, ignore_index=True)[TLC_2016_SCHEMA.names]
    columns = {}
    for field in TLC_2016_SCHEMA:
        values = trips[field.name]
        if field.name in TIMESTAMP_COLUMNS:
            columns[field.name] = (
                pd.to_datetime(values).to_numpy().astype("datetime64[us]")
            )
        elif field.type == pa.string():
            columns[field.name] = values.astype(str).to_numpy(dtype=object)
        else:
            columns[field.name] = values.to_numpy(
                dtype="int64" if field.type == pa.int64() else "float64"
            )
    return columns


def copy_numbers(draws: np.ndarray) -> np.ndarray:
    """Return, for each draw, how many earlier draws picked the same seed row."""
    order = np.argsort(draws, kind="stable")
    sorted_draws = draws[order]
    is_group_start = np.empty(len(draws), dtype=bool)
    is_group_start[:1] = True
    is_group_start[1:] = sorted_draws[1:] != sorted_draws[:-1]
    group_starts = np.flatnonzero(is_group_start)
    group_sizes = np.diff(np.append(group_starts, len(draws)))
    rank_in_sorted = np.arange(len(draws)) - np.repeat(group_starts, group_sizes)
    copies = np.empty(len(draws), dtype=np.int64)
    copies[order] = rank_in_sorted
    return copies


def resampled_chunk(
    seed_trips: dict[str, np.ndarray], draws: np.ndarray, copies: np.ndarray
) -> pa.Table:
    """Build the rows of one chunk: seed rows ``draws``, shifted by ``copies``."""
    week_shift = (copies % WEEKS_PER_CYCLE) * MICROSECONDS_PER_WEEK
    jitter = (copies // WEEKS_PER_CYCLE) * JITTER_DEGREES
    arrays = []
    for field in TLC_2016_SCHEMA:
        values = seed_trips[field.name][draws]
        if field.name in TIMESTAMP_COLUMNS:
            values = values + week_shift.astype("timedelta64[us]")
        elif field.name in COORDINATE_COLUMNS:
            # A zero coordinate marks a missing position that silver rejects,
            # so it stays zero.
            values = np.where(values != 0, values + jitter, values)
        arrays.append(pa.array(values, type=field.type))
    return pa.Table.from_arrays(arrays, schema=TLC_2016_SCHEMA)


def write_resampled_trips(
    output: Path, n_rows: int, random_seed: int = 42, chunk_rows: int = 1_048_576
) -> Path:
    """Write ``n_rows`` resampled trips to the parquet file ``output``.

    Parameters
    ----------
    output : Path
        Parquet file to create or replace. Its folder is created.
    n_rows : int
        Number of trips to write, at least 1.
    random_seed : int, default=42
        Seed of the draws, so the same arguments give the same file.
    chunk_rows : int, default=1_048_576
        Rows built in memory at once.

    Returns
    -------
    Path
        ``output``.
    """
    if n_rows < 1:
        raise ValueError(f"n_rows must be at least 1, got {n_rows}.")
    seed_trips = read_seed_trips()
    n_seed_rows = len(seed_trips["VendorID"])
    rng = np.random.default_rng(random_seed)
    draws = rng.integers(0, n_seed_rows, size=n_rows, dtype=np.int32)
    copies = copy_numbers(draws)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_suffix(".partial")
    with pq.ParquetWriter(partial, TLC_2016_SCHEMA, compression="zstd") as writer:
        for start in range(0, n_rows, chunk_rows):
            stop = min(start + chunk_rows, n_rows)
            chunk = resampled_chunk(seed_trips, draws[start:stop], copies[start:stop])
            writer.write_table(chunk, row_group_size=ROW_GROUP_ROWS)
    # A file is only in place once complete, so an interrupted run leaves no
    # truncated file that a later run would reuse.
    partial.replace(output)
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True, help="trips to write")
    parser.add_argument("--output", type=Path, required=True, help="parquet file")
    parser.add_argument("--seed", type=int, default=42, help="seed of the draws")
    args = parser.parse_args()
    started = time.perf_counter()
    write_resampled_trips(args.output, args.rows, args.seed)
    seconds = time.perf_counter() - started
    print(f"wrote {args.rows:,} trips to {args.output} in {seconds:.1f} s")


if __name__ == "__main__":
    main()
