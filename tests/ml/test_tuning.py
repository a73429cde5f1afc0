import inspect
import json

import pytest
from mlflow import MlflowClient

from ml.frames import split_validation
from ml.tuning import grid_combinations, run_grid_search


def test_run_grid_search_default_grid(train_trips, mlflow_settings):
    grid = run_grid_search(train_trips, mlflow_settings)
    client = MlflowClient(tracking_uri=mlflow_settings["tracking_uri"])
    parent_id = grid["parent_run_id"].iloc[0]
    parent = client.get_run(parent_id)
    children = client.search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent_id}'",
    )

    assert len(grid) == 8
    assert (grid["estimator_class"] == "GradientBoostingRegressor").all()
    assert grid["parent_run_id"].nunique() == 1
    assert grid["combination_index"].tolist() == list(range(8))
    assert parent.data.tags["stage"] == "tuning"
    assert "mlflow.parentRunId" not in parent.data.tags
    assert len(children) == 8
    assert {run.info.run_id for run in children} == set(grid["run_id"])
    assert all(run.data.tags["stage"] == "tuning" for run in children)
    assert (grid["model_uri"] == "runs:/" + grid["run_id"] + "/model").all()
    expected = grid_combinations(
        {
            "n_estimators": (50, 100),
            "max_depth": (4, 6),
            "learning_rate": (0.05, 0.1),
            "subsample": (0.8,),
        }
    )
    observed = grid[["n_estimators", "max_depth", "learning_rate", "subsample"]]
    assert observed.to_dict("records") == expected
    for row in grid.itertuples():
        params = json.loads(row.params_json)
        assert params["n_estimators"] == row.n_estimators
        assert params["max_depth"] == row.max_depth
        assert params["random_state"] == 42


def test_run_grid_search_uses_validation_rows_only(train_trips, mlflow_settings):
    settings = {
        **mlflow_settings,
        "tuning_estimator": "HistGradientBoostingRegressor",
        "param_grid": {"max_iter": [20, 40]},
    }

    grid = run_grid_search(train_trips, settings)
    fit_frame, validation_frame = split_validation(train_trips)
    client = MlflowClient(tracking_uri=mlflow_settings["tracking_uri"])
    child = client.get_run(grid["run_id"].iloc[0])
    parent = client.get_run(grid["parent_run_id"].iloc[0])

    assert list(inspect.signature(run_grid_search).parameters) == ["train", "settings"]
    assert (grid["fit_rows"] == len(fit_frame)).all()
    assert child.data.params["validation_rows"] == str(len(validation_frame))
    assert "test_rows" not in child.data.params
    assert not any(name.startswith("test_") for name in child.data.metrics)
    assert not any(column.startswith("test_") for column in grid.columns)
    best = grid["validation_mean_absolute_error"].min()
    assert parent.data.metrics["best_validation_mean_absolute_error"] == pytest.approx(
        best
    )
    best_index = int(grid["validation_mean_absolute_error"].idxmin())
    assert parent.data.params["best_max_iter"] == str(grid["max_iter"][best_index])


def test_run_grid_search_sample_is_deterministic(train_trips, mlflow_settings):
    settings = {
        **mlflow_settings,
        "tuning_estimator": "HistGradientBoostingRegressor",
        "param_grid": {"max_iter": [20]},
        "tuning_sample_rows": 300,
    }

    first = run_grid_search(train_trips, settings)
    second = run_grid_search(train_trips.sample(frac=1.0, random_state=9), settings)

    assert first["fit_rows"].tolist() == [300]
    assert first["run_id"].iloc[0] != second["run_id"].iloc[0]
    assert first["validation_mean_absolute_error"].iloc[0] == pytest.approx(
        second["validation_mean_absolute_error"].iloc[0], abs=0
    )


def test_run_grid_search_gradient_boosting(train_trips, mlflow_settings):
    settings = {
        **mlflow_settings,
        "tuning_estimator": "GradientBoostingRegressor",
        "param_grid": {"n_estimators": [10, 20], "max_depth": [3]},
    }

    grid = run_grid_search(train_trips, settings)
    client = MlflowClient(tracking_uri=mlflow_settings["tracking_uri"])
    parent = client.get_run(grid["parent_run_id"].iloc[0])

    assert grid["n_estimators"].tolist() == [10, 20]
    assert (grid["estimator_class"] == "GradientBoostingRegressor").all()
    assert parent.data.params["estimator_class"] == "GradientBoostingRegressor"
    assert json.loads(grid["params_json"].iloc[0])["subsample"] == 1.0


def test_grid_combinations_order():
    combinations = grid_combinations({"a": (1, 2), "b": ("x", "y")})

    assert combinations == [
        {"a": 1, "b": "x"},
        {"a": 1, "b": "y"},
        {"a": 2, "b": "x"},
        {"a": 2, "b": "y"},
    ]
