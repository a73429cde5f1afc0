"""Build the whole project on DuckDB from the shipped seeds and check the tables.

The expected values come from reading the seed files with pandas and applying
the silver and feature rules independently of the SQL.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from tests.functional.conftest import PROJECT_DIR, BuiltProject

pytestmark = pytest.mark.dbt

RAW_SEEDS = {
    "raw_yellow_tripdata_2016_01": PROJECT_DIR
    / "seeds/raw/raw_yellow_tripdata_2016_01.csv",
    "raw_yellow_tripdata_2016_03": PROJECT_DIR
    / "seeds/raw/raw_yellow_tripdata_2016_03.csv",
}
CARD_CODES = {"1"}


def _expected_feature_trips() -> pd.DataFrame:
    """Apply the documented silver and feature rules to the raw seeds."""
    frames = [pd.read_csv(path) for path in RAW_SEEDS.values()]
    trips = pd.concat(frames, ignore_index=True)
    pickup = pd.to_datetime(trips["tpep_pickup_datetime"])
    dropoff = pd.to_datetime(trips["tpep_dropoff_datetime"])
    minutes = (dropoff - pickup).dt.total_seconds() / 60
    speed = trips["trip_distance"] / (minutes / 60)
    coordinates = trips[
        ["pickup_longitude", "pickup_latitude", "dropoff_longitude", "dropoff_latitude"]
    ]
    longitudes = coordinates[["pickup_longitude", "dropoff_longitude"]]
    latitudes = coordinates[["pickup_latitude", "dropoff_latitude"]]
    charges = trips[
        ["extra", "mta_tax", "tip_amount", "tolls_amount"]
        + ["improvement_surcharge", "total_amount"]
    ]
    valid = (
        (coordinates != 0).all(axis=1)
        & coordinates.notna().all(axis=1)
        & longitudes.apply(lambda column: column.between(-74.3, -73.6)).all(axis=1)
        & latitudes.apply(lambda column: column.between(40.45, 41.0)).all(axis=1)
        & (charges >= 0).all(axis=1)
        & (trips["trip_distance"] > 0)
        & (trips["fare_amount"] > 0)
        & (trips["passenger_count"] > 0)
        & minutes.between(1, 300)
        & (speed <= 100)
    )
    card = trips["payment_type"].astype(str).isin(CARD_CODES)
    tip_in_range = trips["tip_amount"].between(0, 100)
    return trips[valid & card & tip_in_range]


def _bucket(trip_id: str) -> int:
    """Split bucket of a trip: the first 32 bits of MD5(trip_id), mod 100."""
    return int(hashlib.md5(trip_id.encode()).hexdigest()[:8], 16) % 100


def test_bronze_keeps_every_raw_row(built_project: BuiltProject) -> None:
    rows = dict(
        built_project.query(
            "select source_name, count(*) from medallion_bronze.taxi_trips_raw "
            "group by source_name"
        )
    )
    for source_name, path in RAW_SEEDS.items():
        assert rows[source_name] == len(pd.read_csv(path))


def test_silver_accounts_for_every_bronze_row(built_project: BuiltProject) -> None:
    [(bronze, cleaned, rejected)] = built_project.query(
        """
        select
            (select count(*) from medallion_bronze.taxi_trips_raw),
            (select count(*) from medallion_silver.taxi_trips_cleaned),
            (select count(*) from medallion_silver.taxi_trips_rejected)
        """
    )
    assert rejected > 0
    assert cleaned + rejected == bronze


def test_rejected_reasons_match_raw_values(built_project: BuiltProject) -> None:
    zero_coordinate_rows = built_project.query(
        """
        select pickup_longitude, pickup_latitude, dropoff_longitude, dropoff_latitude
        from medallion_silver.taxi_trips_rejected
        where reject_reason = 'zero_coordinate'
        """
    )
    assert zero_coordinate_rows
    for row in zero_coordinate_rows:
        assert any(float(value) == 0 for value in row)


def test_features_match_independent_rules(built_project: BuiltProject) -> None:
    expected = _expected_feature_trips()
    [(feature_rows, tip_sum)] = built_project.query(
        "select count(*), sum(tip_amount) from medallion_ml.taxi_tip_features"
    )
    assert feature_rows == len(expected)
    assert tip_sum == pytest.approx(expected["tip_amount"].sum(), abs=0.01)


def test_split_follows_trip_id_hash(built_project: BuiltProject) -> None:
    train_ids = [
        trip_id
        for (trip_id,) in built_project.query(
            "select trip_id from medallion_ml.taxi_tip_train"
        )
    ]
    test_ids = [
        trip_id
        for (trip_id,) in built_project.query(
            "select trip_id from medallion_ml.taxi_tip_test"
        )
    ]
    assert set(train_ids).isdisjoint(test_ids)
    assert all(_bucket(trip_id) >= 20 for trip_id in train_ids)
    assert all(_bucket(trip_id) < 20 for trip_id in test_ids)
    test_share = len(test_ids) / (len(train_ids) + len(test_ids))
    assert test_share == pytest.approx(0.20, abs=0.02)


def test_feature_values_follow_definitions(built_project: BuiltProject) -> None:
    frame = pd.DataFrame(
        built_project.query(
            """
            select
                pickup_datetime, pickup_hour, pickup_day_of_week, period_of_day,
                is_weekend, is_rush_hour, trip_distance, log_trip_distance
            from medallion_ml.taxi_tip_features
            """
        ),
        columns=[
            "pickup_datetime",
            "pickup_hour",
            "pickup_day_of_week",
            "period_of_day",
            "is_weekend",
            "is_rush_hour",
            "trip_distance",
            "log_trip_distance",
        ],
    )
    timestamps = pd.to_datetime(frame["pickup_datetime"])
    # pandas counts Monday as 0; the project counts Sunday as 1.
    sunday_first = (timestamps.dt.day_of_week + 1) % 7 + 1
    assert (frame["pickup_hour"] == timestamps.dt.hour).all()
    assert (frame["pickup_day_of_week"] == sunday_first).all()
    assert (frame["period_of_day"] == timestamps.dt.hour // 6).all()
    assert (frame["is_weekend"] == sunday_first.isin([1, 7])).all()
    weekday_rush = ~sunday_first.isin([1, 7]) & (
        timestamps.dt.hour.between(7, 9) | timestamps.dt.hour.between(17, 19)
    )
    assert (frame["is_rush_hour"] == weekday_rush).all()
    np.testing.assert_allclose(
        frame["log_trip_distance"], np.log1p(frame["trip_distance"])
    )


def test_docs_describe_every_column(built_project: BuiltProject) -> None:
    result = built_project.dbt("docs", "generate")
    assert result.returncode == 0, result.stdout[-3000:]
    target = built_project.project_dir / "target"
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    undescribed = []
    for unique_id, node in catalog["nodes"].items():
        if not unique_id.startswith("model."):
            continue
        documented = manifest["nodes"][unique_id]
        assert documented["description"].startswith("One row"), unique_id
        for column in node["columns"]:
            described = documented["columns"].get(column.lower(), {})
            if not described.get("description"):
                undescribed.append(f"{documented['name']}.{column}")
    assert undescribed == []
