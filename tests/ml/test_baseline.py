import json
import math

import duckdb
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from ml.baseline import BASELINE_COLUMNS, run_baseline
from ml.estimators import CANDIDATE_NAMES, MedianTipRateRegressor
from ml.frames import split_validation


@pytest.fixture(scope="module")
def baseline_store(tmp_path_factory, small_baseline_estimators):
    # One baseline run serves every test of this module, because it fits and
    # logs seven models.
    folder = tmp_path_factory.mktemp("baseline_store")
    return {
        "tracking_uri": f"sqlite:///{folder / 'mlflow.db'}",
        "artifact_location": (folder / "artifacts").as_uri(),
        "project_dir": str(folder),
        "baseline_estimators": small_baseline_estimators,
        "log_model_figures": True,
    }


@pytest.fixture(scope="module")
def baseline(train_trips, test_trips, baseline_store):
    # Pass train as a DuckDB relation, the way dbt-duckdb hands it over.
    connection = duckdb.connect()
    connection.register("train_trips", train_trips)
    relation = connection.sql("select * from train_trips")
    return run_baseline(relation, test_trips, baseline_store)


def test_run_baseline_one_row_per_candidate(baseline, train_trips, test_trips):
    fit_frame, validation_frame = split_validation(train_trips)

    assert list(baseline.columns) == list(BASELINE_COLUMNS)
    assert baseline["candidate"].tolist() == list(CANDIDATE_NAMES)
    assert len(baseline) == 7
    assert baseline["is_reference"].tolist() == [False] * 5 + [True] * 2
    assert (baseline["fit_rows"] == len(fit_frame)).all()
    assert (baseline["validation_rows"] == len(validation_frame)).all()
    assert (baseline["test_rows"] == len(test_trips)).all()
    assert baseline["estimator_class"].tolist() == [
        "LinearRegression",
        "DecisionTreeRegressor",
        "RandomForestRegressor",
        "GradientBoostingRegressor",
        "HistGradientBoostingRegressor",
        "DummyRegressor",
        "MedianTipRateRegressor",
    ]
    assert (baseline["fit_seconds"] > 0).all()
    assert str(baseline["trained_at"].dt.tz) == "UTC"


def test_run_baseline_metrics_rank_candidates(baseline):
    by_name = baseline.set_index("candidate")
    absolute_error_mae = by_name.loc[
        "hist_gradient_boosting_absolute_error", "validation_mean_absolute_error"
    ]
    mean_mae = by_name.loc["reference_training_mean", "validation_mean_absolute_error"]

    assert absolute_error_mae < mean_mae
    assert by_name.loc["reference_training_mean", "validation_r2_score"] < 0.01
    for column in [
        c for c in BASELINE_COLUMNS if c.startswith(("validation_", "test_"))
    ]:
        if column.endswith("_rows"):
            continue
        assert np.isfinite(baseline[column].astype(float)).all(), column
    assert baseline["test_pct_accurate_within_1usd"].between(0, 100).all()


def test_run_baseline_runs_in_store(baseline, baseline_store):
    client = MlflowClient(tracking_uri=baseline_store["tracking_uri"])

    for row in baseline.itertuples():
        run = client.get_run(row.run_id)
        assert run.data.tags["candidate"] == row.candidate
        assert run.data.tags["stage"] == "baseline"
        assert row.model_uri == f"runs:/{row.run_id}/model"
        assert run.data.metrics["validation_mean_absolute_error"] == pytest.approx(
            row.validation_mean_absolute_error
        )
        assert run.data.params["fit_rows"] == str(row.fit_rows)
        assert run.data.params["random_seed"] == "42"
        assert run.data.params["pickup_date_min"] >= "2023-01-01"
        figures = {item.path for item in client.list_artifacts(row.run_id, "figures")}
        assert figures == {
            "figures/validation_predicted_vs_actual.png",
            "figures/validation_residuals.png",
        }


def test_run_baseline_logs_feature_importance(baseline, baseline_store, tmp_path):
    client = MlflowClient(tracking_uri=baseline_store["tracking_uri"])
    by_name = baseline.set_index("candidate")

    tree_run = by_name.loc["random_forest", "run_id"]
    path = client.download_artifacts(tree_run, "feature_importance.json", str(tmp_path))
    with open(path) as handle:
        importance = json.load(handle)
    dummy_run = by_name.loc["reference_training_mean", "run_id"]
    dummy_artifacts = {item.path for item in client.list_artifacts(dummy_run)}

    assert importance["source"] == "feature_importances_"
    assert len(importance["features"]) == 23
    assert importance["features"][0]["feature"] in {
        "fare_amount",
        "trip_distance",
        "trip_duration_min",
        "log_trip_distance",
        "log_trip_duration",
    }
    assert "feature_importance.json" not in dummy_artifacts


def test_run_baseline_applies_overrides(baseline):
    params = json.loads(
        baseline.set_index("candidate").loc["random_forest", "params_json"]
    )

    assert params["n_estimators"] == 10
    assert params["max_depth"] == 10
    assert params["random_state"] == 42


def test_run_baseline_fits_on_sample(train_trips, test_trips, mlflow_settings):
    settings = {**mlflow_settings, "baseline_sample_rows": 500}

    baseline = run_baseline(train_trips, test_trips, settings)
    _, validation_frame = split_validation(train_trips)

    assert (baseline["fit_rows"] == 500).all()
    assert (baseline["validation_rows"] == len(validation_frame)).all()
    assert (baseline["test_rows"] == len(test_trips)).all()


def test_run_baseline_empty_test(train_trips, mlflow_settings):
    with pytest.raises(ValueError, match="test frame is empty"):
        run_baseline(train_trips, train_trips.head(0), mlflow_settings)


def test_median_tip_rate_regressor_values():
    x = pd.DataFrame({"fare_amount": [10.0, 20.0, 40.0, 0.0]})
    y = [2.0, 3.0, 10.0, 5.0]

    model = MedianTipRateRegressor().fit(x, y)
    predicted = model.predict(pd.DataFrame({"fare_amount": [10.0, 0.0, -3.0]}))

    # Rates of the rows with a fare are 0.2, 0.15 and 0.25.
    assert model.tip_rate_ == pytest.approx(0.2)
    np.testing.assert_allclose(predicted, [2.0, 0.0, 0.0])


def test_median_tip_rate_regressor_needs_fare():
    with pytest.raises(ValueError, match="column 'fare_amount'"):
        MedianTipRateRegressor().fit(pd.DataFrame({"trip_distance": [1.0]}), [1.0])
    with pytest.raises(ValueError, match="no positive fare"):
        MedianTipRateRegressor().fit(pd.DataFrame({"fare_amount": [0.0]}), [1.0])
    assert math.isfinite(
        MedianTipRateRegressor()
        .fit(pd.DataFrame({"fare_amount": [5.0]}), [1.0])
        .tip_rate_
    )
