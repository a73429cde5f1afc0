"""Scoring a Spark DataFrame through mlflow.pyfunc.spark_udf on a local Spark."""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingRegressor

from ml.frames import features_and_target, to_pandas
from ml.scoring import SCORED_COLUMNS, score_trips, score_trips_spark
from ml.settings import PipelineSettings
from ml.tracking import configure_tracking, log_fitted_estimator, run_model_uri
from tests.ml.conftest import make_trips

pytestmark = pytest.mark.spark

ARROW_SETTING = "spark.sql.execution.arrow.pyspark.enabled"


@pytest.fixture
def mlflow_settings(tmp_path) -> dict:
    """Return settings for a fresh MLflow store (SQLite file and artifact folder)."""
    return {
        "tracking_uri": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "artifact_location": (tmp_path / "artifacts").as_uri(),
        "project_dir": str(tmp_path),
        "log_model_figures": False,
    }


@pytest.fixture
def model_uri(mlflow_settings) -> str:
    """Fit a small model on synthetic trips, log it and return its runs:/ URI."""
    settings = PipelineSettings.from_mapping(mlflow_settings)
    x, y = features_and_target(make_trips(1_000, seed=1), settings)
    estimator = GradientBoostingRegressor(n_estimators=20, random_state=0).fit(x, y)
    experiment_id = configure_tracking(settings)
    with mlflow.start_run(experiment_id=experiment_id) as run:
        log_fitted_estimator(
            estimator, x, params={}, metrics={}, evaluation=None, settings=settings
        )
    return run_model_uri(run.info.run_id)


@pytest.fixture
def trips() -> pd.DataFrame:
    frame = make_trips(400, seed=2)
    # Null fees score as zero on both paths; make sure some are null.
    assert frame["improvement_surcharge"].isna().sum() > 10
    return frame


def test_spark_scoring_matches_pandas(spark, model_uri, trips, mlflow_settings):
    expected = score_trips(trips, model_uri, mlflow_settings).set_index("trip_id")

    scored = score_trips_spark(spark.createDataFrame(trips), model_uri, mlflow_settings)
    actual = to_pandas(scored).set_index("trip_id").loc[expected.index]

    assert scored.columns == list(SCORED_COLUMNS)
    assert len(actual) == len(trips)
    np.testing.assert_allclose(
        actual["predicted_tip_amount"], expected["predicted_tip_amount"], rtol=1e-12
    )
    np.testing.assert_array_equal(
        actual["actual_tip_amount"], expected["actual_tip_amount"]
    )
    np.testing.assert_allclose(
        actual["prediction_error"], expected["prediction_error"], rtol=1e-12
    )
    np.testing.assert_allclose(
        actual["absolute_error"], expected["absolute_error"], rtol=1e-12
    )
    assert (actual["is_within_1usd"] == expected["is_within_1usd"]).all()
    assert (actual["model_uri"] == model_uri).all()
    assert actual["model_version"].isna().all()
    assert (actual["pickup_hour"] == expected["pickup_hour"]).all()
    assert (actual["period_of_day"] == expected["period_of_day"]).all()
    assert (actual["is_weekend"] == expected["is_weekend"]).all()


def test_spark_scoring_runs_on_executors(spark, model_uri, trips, mlflow_settings):
    scored = score_trips_spark(spark.createDataFrame(trips), model_uri, mlflow_settings)

    plan = scored._jdf.queryExecution().executedPlan().toString()

    # The model runs inside Spark's Arrow Python UDF operator, per partition,
    # not on a frame collected to the driver.
    assert "ArrowEvalPython" in plan


def test_spark_scoring_version_from_registry_uri(
    spark, model_uri, trips, mlflow_settings
):
    mlflow.register_model(model_uri, "taxi_tip_regressor")
    frame = spark.createDataFrame(trips.head(20))

    scored = to_pandas(
        score_trips_spark(frame, "models:/taxi_tip_regressor/1", mlflow_settings)
    )
    explicit = to_pandas(
        score_trips_spark(frame, model_uri, mlflow_settings, model_version="7")
    )

    assert (scored["model_version"] == "1").all()
    assert (explicit["model_version"] == "7").all()


def test_spark_scoring_empty_frame(spark, model_uri, trips, mlflow_settings):
    frame = spark.createDataFrame(trips).limit(0)

    with pytest.raises(ValueError, match="Cannot score an empty frame"):
        score_trips_spark(frame, model_uri, mlflow_settings)


def test_spark_scoring_missing_column(spark, model_uri, trips, mlflow_settings):
    frame = spark.createDataFrame(trips.drop(columns=["pickup_datetime"]))

    with pytest.raises(ValueError, match=r"Missing column\(s\) \['pickup_datetime'\]"):
        score_trips_spark(frame, model_uri, mlflow_settings)


def test_spark_scoring_null_feature(spark, model_uri, trips, mlflow_settings):
    frame = trips.head(10).copy()
    frame.loc[[2, 5], "trip_distance"] = np.nan
    spark_frame = spark.createDataFrame(frame).replace(float("nan"), None)

    with pytest.raises(ValueError, match=r"\{'trip_distance': 2\}"):
        score_trips_spark(spark_frame, model_uri, mlflow_settings)


def test_to_pandas_spark_frame_restores_arrow_setting(spark, trips):
    spark.conf.set(ARROW_SETTING, "false")
    frame = spark.createDataFrame(trips.head(5))

    converted = to_pandas(frame)

    assert converted["trip_id"].tolist() == trips["trip_id"].head(5).tolist()
    assert converted["fare_amount"].tolist() == trips["fare_amount"].head(5).tolist()
    assert converted["is_weekend"].dtype == bool
    assert spark.conf.get(ARROW_SETTING) == "false"
