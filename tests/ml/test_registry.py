import pandas as pd
import pytest
from mlflow import MlflowClient

from ml.baseline import run_baseline
from ml.registry import REGISTRY_COLUMNS, select_and_register, select_candidate
from ml.tuning import run_grid_search

MODEL_NAME = "taxi_tip_regressor"


@pytest.fixture
def results(train_trips, test_trips, mlflow_settings):
    baseline = run_baseline(train_trips, test_trips, mlflow_settings)
    settings = {
        **mlflow_settings,
        "tuning_estimator": "HistGradientBoostingRegressor",
        "param_grid": {"max_iter": [20, 40]},
    }
    tuning = run_grid_search(train_trips, settings)
    return baseline, tuning


def test_select_and_register_first_call_promotes(
    results, train_trips, test_trips, mlflow_settings
):
    baseline, tuning = results

    decision = select_and_register(
        baseline, tuning, train_trips, test_trips, mlflow_settings
    )
    row = decision.iloc[0]
    client = MlflowClient(tracking_uri=mlflow_settings["tracking_uri"])
    final_run = client.get_run(row["run_id"])

    assert list(decision.columns) == list(REGISTRY_COLUMNS)
    assert len(decision) == 1
    assert row["promoted"]
    assert row["promotion_reason"] == "no champion yet"
    assert row["model_version"] == "1"
    assert row["champion_version"] == "1"
    assert row["model_uri"] == f"models:/{MODEL_NAME}/1"
    assert pd.isna(row["champion_test_mean_absolute_error"])
    assert str(client.get_model_version_by_alias(MODEL_NAME, "champion").version) == "1"
    assert final_run.data.tags["stage"] == "final"
    assert final_run.data.tags["candidate"] == row["selected_candidate"]
    assert final_run.data.params["fit_rows"] == str(len(train_trips))
    assert row["fit_rows"] == len(train_trips)
    assert final_run.data.metrics["test_mean_absolute_error"] == pytest.approx(
        row["test_mean_absolute_error"]
    )
    assert not row["selected_candidate"].startswith("reference_")


def test_select_and_register_rerun_keeps_champion(
    results, train_trips, test_trips, mlflow_settings
):
    baseline, tuning = results
    first = select_and_register(
        baseline, tuning, train_trips, test_trips, mlflow_settings
    ).iloc[0]

    second = select_and_register(
        baseline, tuning, train_trips, test_trips, mlflow_settings
    ).iloc[0]
    client = MlflowClient(tracking_uri=mlflow_settings["tracking_uri"])

    assert second["selected_candidate"] == first["selected_candidate"]
    for column in [c for c in REGISTRY_COLUMNS if c.startswith("test_")]:
        assert second[column] == first[column], column
    assert (
        second["champion_test_mean_absolute_error"] == first["test_mean_absolute_error"]
    )
    assert not second["promoted"]
    assert second["promotion_reason"].endswith("champion kept")
    assert second["model_version"] == "2"
    assert second["champion_version"] == "1"
    assert second["model_uri"] == f"models:/{MODEL_NAME}/1"
    assert str(client.get_model_version_by_alias(MODEL_NAME, "champion").version) == "1"


def test_select_and_register_better_model_promotes(
    results, train_trips, test_trips, mlflow_settings
):
    baseline, tuning = results
    only_linear = baseline[baseline["candidate"] == "linear_regression"]
    weak = select_and_register(
        only_linear, None, train_trips, test_trips, mlflow_settings
    ).iloc[0]

    strong = select_and_register(
        baseline, tuning, train_trips, test_trips, mlflow_settings
    ).iloc[0]
    client = MlflowClient(tracking_uri=mlflow_settings["tracking_uri"])

    assert weak["selected_candidate"] == "linear_regression"
    assert strong["test_mean_absolute_error"] < weak["test_mean_absolute_error"]
    assert strong["promoted"]
    assert strong["promotion_reason"].startswith("test MAE ")
    assert " < champion " in strong["promotion_reason"]
    assert strong["champion_test_mean_absolute_error"] == pytest.approx(
        weak["test_mean_absolute_error"]
    )
    assert strong["champion_version"] == "2"
    assert str(client.get_model_version_by_alias(MODEL_NAME, "champion").version) == "2"


def test_select_and_register_without_registry(
    results, train_trips, test_trips, mlflow_settings
):
    baseline, tuning = results
    settings = {**mlflow_settings, "use_registry": False}

    row = select_and_register(baseline, tuning, train_trips, test_trips, settings).iloc[
        0
    ]
    client = MlflowClient(tracking_uri=mlflow_settings["tracking_uri"])

    assert row["model_uri"] == f"runs:/{row['run_id']}/model"
    assert not row["promoted"]
    assert pd.isna(row["model_version"])
    assert pd.isna(row["registered_model_name"])
    assert client.search_registered_models() == []


def _result_row(candidate, mae, **extra):
    return {
        "candidate": candidate,
        "estimator_class": "LinearRegression",
        "run_id": f"run-{candidate}",
        "params_json": "{}",
        "validation_mean_absolute_error": mae,
        **extra,
    }


def test_select_candidate_skips_references_and_breaks_ties():
    baseline = pd.DataFrame(
        [
            _result_row("reference_training_mean", 0.1),
            _result_row("random_forest", 0.5),
            _result_row("decision_tree", 0.5),
            _result_row("linear_regression", float("nan")),
        ]
    )

    selection = select_candidate(baseline, None)

    assert selection.candidate == "decision_tree"
    assert selection.source_stage == "baseline"
    assert selection.source_run_id == "run-decision_tree"


def test_select_candidate_prefers_lower_tuning_row():
    baseline = pd.DataFrame([_result_row("gradient_boosting", 0.5)])
    tuning = pd.DataFrame(
        [
            {
                "combination_index": 3,
                "estimator_class": "GradientBoostingRegressor",
                "run_id": "child-3",
                "params_json": '{"max_depth": 4}',
                "validation_mean_absolute_error": 0.4,
            }
        ]
    )

    selection = select_candidate(baseline, tuning)

    assert selection.candidate == "gradient_boosting_grid_003"
    assert selection.source_stage == "tuning"
    assert selection.estimator_class == "GradientBoostingRegressor"
    assert selection.params_json == '{"max_depth": 4}'


def test_select_candidate_names_hist_grid_rows():
    baseline = pd.DataFrame([_result_row("gradient_boosting", 0.5)])
    tuning = pd.DataFrame(
        [
            {
                "combination_index": 12,
                "estimator_class": "HistGradientBoostingRegressor",
                "run_id": "child-12",
                "params_json": '{"max_iter": 50}',
                "validation_mean_absolute_error": 0.3,
            }
        ]
    )

    selection = select_candidate(baseline, tuning)

    assert selection.candidate == "hist_gradient_boosting_grid_012"
    assert selection.estimator_class == "HistGradientBoostingRegressor"


def test_select_candidate_without_usable_rows():
    baseline = pd.DataFrame([_result_row("reference_median_tip_rate", 0.1)])

    with pytest.raises(ValueError, match="No non-reference candidate"):
        select_candidate(baseline, None)
