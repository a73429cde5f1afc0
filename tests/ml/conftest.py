"""Shared fixtures: synthetic taxi trips and a temporary MLflow store."""

from __future__ import annotations

import hashlib

import mlflow
import numpy as np
import pandas as pd
import pytest

# Fewer trees keep the whole suite fast. Every other candidate parameter
# keeps its default.
SMALL_BASELINE_ESTIMATORS = {
    "random_forest": {"n_estimators": 10},
    "gradient_boosting": {"n_estimators": 30},
    "hist_gradient_boosting_absolute_error": {"max_iter": 50},
}


def make_trips(n_rows: int, seed: int) -> pd.DataFrame:
    """Build seeded trips shaped like the taxi_tip_train and taxi_tip_test tables.

    Fares grow with distance and duration. 15 % of trips have no tip. The rest
    tip 18 to 25 % of the fare plus normal noise (0.30 USD standard deviation),
    rounded to cents.
    """
    rng = np.random.default_rng(seed)
    trip_ids = [
        hashlib.md5(f"{seed}-{index}".encode()).hexdigest() for index in range(n_rows)
    ]
    start = pd.Timestamp("2023-01-01")
    pickup = start + pd.to_timedelta(rng.integers(0, 90 * 24 * 60, n_rows), unit="min")
    hour = pickup.hour.to_numpy()
    day_of_week = ((pickup.day_of_week.to_numpy() + 1) % 7) + 1  # 1 = Sunday
    distance = np.round(rng.lognormal(mean=0.8, sigma=0.7, size=n_rows), 2)
    duration = np.round(distance * 3.5 + rng.gamma(2.0, 2.0, n_rows), 1) + 1.0
    fare = np.round(3.0 + 2.5 * distance + 0.5 * duration, 2)
    tolls = np.where(rng.random(n_rows) < 0.05, 6.55, 0.0)
    surcharge = np.where(rng.random(n_rows) < 0.1, np.nan, 0.3)

    tip_rate = rng.uniform(0.18, 0.25, n_rows)
    tip = np.round(tip_rate * fare + rng.normal(0.0, 0.3, n_rows), 2)
    tip = np.where(rng.random(n_rows) < 0.15, 0.0, np.clip(tip, 0.0, 100.0))

    return pd.DataFrame(
        {
            "trip_id": trip_ids,
            "pickup_datetime": pickup,
            "pickup_date": pickup.normalize(),
            "pickup_hour": hour,
            "pickup_day_of_week": day_of_week,
            "period_of_day": hour // 6,
            "is_weekend": np.isin(day_of_week, [1, 7]),
            "is_rush_hour": np.isin(hour, [7, 8, 9, 16, 17, 18]),
            "has_coordinates": np.full(n_rows, True),
            "pickup_latitude_zone": np.round(rng.uniform(40.6, 40.9, n_rows), 2),
            "pickup_longitude_zone": np.round(rng.uniform(-74.05, -73.75, n_rows), 2),
            "dropoff_latitude_zone": np.round(rng.uniform(40.6, 40.9, n_rows), 2),
            "dropoff_longitude_zone": np.round(rng.uniform(-74.05, -73.75, n_rows), 2),
            "pickup_location_id": np.zeros(n_rows, dtype="int64"),
            "dropoff_location_id": np.zeros(n_rows, dtype="int64"),
            "trip_distance": distance,
            "log_trip_distance": np.log1p(distance),
            "trip_duration_min": duration,
            "log_trip_duration": np.log1p(duration),
            "distance_duration_ratio": distance / duration,
            "fare_amount": fare,
            "passenger_count": rng.integers(1, 5, n_rows),
            "extra": rng.choice([0.0, 0.5, 1.0], n_rows),
            "mta_tax": 0.5,
            "tolls_amount": tolls,
            "improvement_surcharge": surcharge,
            "tip_amount": tip,
            "total_amount": fare + tip + tolls + 0.5,
        }
    )


@pytest.fixture(scope="session")
def train_trips() -> pd.DataFrame:
    return make_trips(2_000, seed=1)


@pytest.fixture(scope="session")
def test_trips() -> pd.DataFrame:
    return make_trips(500, seed=2)


@pytest.fixture(autouse=True)
def _reset_mlflow(monkeypatch):
    # mlflow.set_tracking_uri copies the URI into MLFLOW_TRACKING_URI, so clear
    # both the variable and MLflow's global state around every test.
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)


@pytest.fixture(scope="session")
def small_baseline_estimators() -> dict:
    return SMALL_BASELINE_ESTIMATORS


@pytest.fixture
def mlflow_settings(tmp_path) -> dict:
    """Return settings for a fresh MLflow store (SQLite file and artifact folder)."""
    return {
        "tracking_uri": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "artifact_location": (tmp_path / "artifacts").as_uri(),
        "project_dir": str(tmp_path),
        "baseline_estimators": SMALL_BASELINE_ESTIMATORS,
        "log_model_figures": False,
    }
