import mlflow
import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingRegressor

from ml.frames import features_and_target
from ml.scoring import SCORED_COLUMNS, score_trips
from ml.settings import PipelineSettings
from ml.tracking import configure_tracking, log_fitted_estimator, run_model_uri


@pytest.fixture
def fitted(train_trips, mlflow_settings):
    """Fit a small model, log it to the temporary store and return both."""
    settings = PipelineSettings.from_mapping(mlflow_settings)
    x, y = features_and_target(train_trips, settings)
    estimator = GradientBoostingRegressor(n_estimators=20, random_state=0).fit(x, y)
    experiment_id = configure_tracking(settings)
    with mlflow.start_run(experiment_id=experiment_id) as run:
        log_fitted_estimator(
            estimator, x, params={}, metrics={}, evaluation=None, settings=settings
        )
    return estimator, run_model_uri(run.info.run_id)


def test_score_trips_scores_every_row(fitted, test_trips, mlflow_settings):
    estimator, model_uri = fitted

    scored = score_trips(test_trips, model_uri, mlflow_settings)
    x, y = features_and_target(test_trips)
    expected = estimator.predict(x)

    assert list(scored.columns) == list(SCORED_COLUMNS)
    assert len(scored) == len(test_trips)
    assert scored["trip_id"].tolist() == test_trips["trip_id"].tolist()
    np.testing.assert_allclose(scored["predicted_tip_amount"], expected)
    np.testing.assert_array_equal(scored["actual_tip_amount"], y.to_numpy())
    np.testing.assert_allclose(scored["prediction_error"], expected - y.to_numpy())
    np.testing.assert_allclose(
        scored["absolute_error"], np.abs(expected - y.to_numpy())
    )
    np.testing.assert_array_equal(
        scored["is_within_1usd"], np.abs(expected - y.to_numpy()) <= 1.0
    )
    assert scored["is_within_1usd"].dtype == bool
    assert (scored["model_uri"] == model_uri).all()
    assert scored["model_version"].isna().all()
    assert str(scored["scored_at"].dt.tz) == "UTC"


def test_score_trips_batches_match_one_batch(fitted, test_trips, mlflow_settings):
    _, model_uri = fitted

    small = score_trips(
        test_trips, model_uri, {**mlflow_settings, "scoring_batch_rows": 7}
    )
    large = score_trips(
        test_trips, model_uri, {**mlflow_settings, "scoring_batch_rows": 100_000}
    )

    assert len(small) == len(test_trips)
    np.testing.assert_array_equal(
        small["predicted_tip_amount"], large["predicted_tip_amount"]
    )
    assert small["trip_id"].tolist() == large["trip_id"].tolist()


def test_score_trips_version_from_registry_uri(fitted, test_trips, mlflow_settings):
    _, model_uri = fitted
    mlflow.register_model(model_uri, "taxi_tip_regressor")

    scored = score_trips(
        test_trips.head(20), "models:/taxi_tip_regressor/1", mlflow_settings
    )
    explicit = score_trips(
        test_trips.head(20), model_uri, mlflow_settings, model_version="7"
    )

    assert (scored["model_version"] == "1").all()
    assert (explicit["model_version"] == "7").all()


def test_score_trips_empty_frame(fitted, test_trips, mlflow_settings):
    _, model_uri = fitted

    with pytest.raises(ValueError, match="Cannot score an empty frame"):
        score_trips(test_trips.head(0), model_uri, mlflow_settings)


def test_score_trips_missing_column(fitted, test_trips, mlflow_settings):
    _, model_uri = fitted
    frame = test_trips.drop(columns=["pickup_datetime"])

    with pytest.raises(ValueError, match=r"Missing column\(s\) \['pickup_datetime'\]"):
        score_trips(frame, model_uri, mlflow_settings)


def test_score_trips_index_is_reset(fitted, test_trips, mlflow_settings):
    _, model_uri = fitted
    frame = test_trips.iloc[::-1]

    scored = score_trips(frame, model_uri, mlflow_settings)

    assert scored.index.equals(pd.RangeIndex(len(frame)))
    assert scored["trip_id"].tolist() == frame["trip_id"].tolist()
