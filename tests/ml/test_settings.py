import dataclasses
import os

import pytest

from ml.settings import (
    DEFAULT_FEATURE_COLUMNS,
    DEFAULT_PARAM_GRID,
    PipelineSettings,
    resolve_settings,
    settings_from_dbt_meta,
)


def test_settings_defaults():
    settings = PipelineSettings.from_mapping(None)

    assert settings.tracking_uri is None
    assert settings.registry_uri is None
    assert settings.experiment_name == "taxi_tip_prediction"
    assert settings.registered_model_name == "taxi_tip_regressor"
    assert settings.use_registry is True
    assert settings.champion_alias == "champion"
    assert settings.random_seed == 42
    assert settings.target_column == "tip_amount"
    assert settings.validation_fraction == 0.2
    assert settings.tuning_estimator == "GradientBoostingRegressor"
    assert settings.tuning_sample_rows == 500_000
    assert settings.baseline_sample_rows == 200_000
    assert settings.scoring_batch_rows == 100_000
    assert settings.baseline_estimators == {}
    assert settings.log_model_figures is True
    assert settings.param_grid == DEFAULT_PARAM_GRID


def test_settings_default_features_exclude_ids_and_target():
    features = PipelineSettings().feature_columns

    assert features[0] == "pickup_hour"
    assert features[-1] == "improvement_surcharge"
    assert len(features) == 23
    for column in ("trip_id", "pickup_datetime", "pickup_date", "tip_amount"):
        assert column not in features
    assert "total_amount" not in features


def test_settings_default_grid_has_eight_combinations():
    grid = PipelineSettings().param_grid
    sizes = [len(values) for values in grid.values()]

    assert sizes == [2, 2, 2, 1]
    assert grid["subsample"] == (0.8,)


def test_settings_project_dir_is_cwd_at_call_time(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    assert PipelineSettings().project_dir == os.getcwd()
    assert PipelineSettings().project_dir == str(tmp_path)


def test_settings_lists_become_tuples():
    settings = PipelineSettings.from_mapping(
        {
            "feature_columns": ["trip_distance", "fare_amount"],
            "param_grid": {"max_leaf_nodes": [15, 31]},
        }
    )

    assert settings.feature_columns == ("trip_distance", "fare_amount")
    assert settings.param_grid == {"max_leaf_nodes": (15, 31)}


def test_settings_sample_rows_accept_none():
    settings = PipelineSettings.from_mapping(
        {"tuning_sample_rows": None, "baseline_sample_rows": None}
    )

    assert settings.tuning_sample_rows is None
    assert settings.baseline_sample_rows is None


def test_settings_gradient_boosting_grid():
    settings = PipelineSettings.from_mapping(
        {
            "tuning_estimator": "GradientBoostingRegressor",
            "param_grid": {"n_estimators": [50, 100], "subsample": [0.8]},
        }
    )

    assert settings.param_grid == {"n_estimators": (50, 100), "subsample": (0.8,)}


def test_settings_are_frozen():
    settings = PipelineSettings()

    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.random_seed = 1


def test_resolve_settings_passes_instance_through():
    settings = PipelineSettings(random_seed=7)

    assert resolve_settings(settings) is settings
    assert resolve_settings({"random_seed": 7}) == settings


@pytest.mark.parametrize(
    ("mapping", "match"),
    [
        ({"random_sed": 1}, r"Unknown setting\(s\) \['random_sed'\]"),
        ({"param_grid": {"n_trees": [10]}}, r"\['n_trees'\] are not GradientBoost"),
        ({"param_grid": {"max_iter": [10]}}, r"set tuning_estimator"),
        (
            {
                "tuning_estimator": "GradientBoostingRegressor",
                "param_grid": {"max_iter": [10]},
            },
            r"\['max_iter'\] are not GradientBoostingRegressor",
        ),
        ({"tuning_estimator": "SVR"}, r"tuning_estimator: got 'SVR'"),
        ({"baseline_sample_rows": 1}, r"baseline_sample_rows: got 1"),
        ({"baseline_sample_rows": 2.5}, r"baseline_sample_rows: got 2.5"),
        ({"param_grid": {"random_state": [1]}}, r"\['random_state'\] are not"),
        ({"param_grid": {}}, r"param_grid: got \{\}"),
        ({"param_grid": {"max_depth": []}}, r"param_grid\['max_depth'\]: got an empty"),
        ({"param_grid": {"max_depth": 3}}, r"param_grid\['max_depth'\]: got 3"),
        ({"validation_fraction": 0}, r"validation_fraction: got 0, expected a number"),
        ({"validation_fraction": 1.0}, r"validation_fraction: got 1.0"),
        ({"validation_fraction": 1.5}, r"validation_fraction: got 1.5"),
        ({"validation_fraction": "0.2"}, r"validation_fraction: got '0.2'"),
        ({"validation_fraction": True}, r"validation_fraction: got True"),
        ({"scoring_batch_rows": 0}, r"scoring_batch_rows: got 0"),
        ({"tuning_sample_rows": 1}, r"tuning_sample_rows: got 1"),
        ({"random_seed": -1}, r"random_seed: got -1"),
        ({"use_registry": "yes"}, r"use_registry: got 'yes', expected true or false"),
        ({"experiment_name": " "}, r"experiment_name: got ' '"),
        ({"feature_columns": []}, r"feature_columns: got \(\)"),
        ({"feature_columns": ["fare_amount", "total_amount"]}, r"\['total_amount'\]"),
        ({"feature_columns": ["fare_amount", "tip_amount"]}, r"target column"),
        (
            {"feature_columns": ["fare_amount", "fare_amount"]},
            r"\['fare_amount'\] repeat",
        ),
        ({"registry_uri": 3}, r"registry_uri: got 3, expected a string"),
        (
            {"registry_uri": "databricks-uc"},
            r"registered_model_name: got 'taxi_tip_regressor', expected a "
            r"three-level Unity Catalog name",
        ),
        (
            {"registry_uri": "databricks-uc", "registered_model_name": "main..m"},
            r"registered_model_name: got 'main..m'",
        ),
        ({"baseline_estimators": {"svm": {}}}, r"unknown candidate 'svm'"),
        (
            {"baseline_estimators": {"random_forest": {"trees": 3}}},
            r"\['trees'\] are not parameters",
        ),
        (
            {"baseline_estimators": {"random_forest": 3}},
            r"baseline_estimators\['random_forest'\]: got 3",
        ),
    ],
)
def test_settings_from_mapping_rejects_invalid(mapping, match):
    with pytest.raises(ValueError, match=match):
        PipelineSettings.from_mapping(mapping)


def test_settings_from_mapping_rejects_non_mapping():
    with pytest.raises(TypeError, match="got list"):
        PipelineSettings.from_mapping([("random_seed", 1)])


def test_settings_tracking_uri_defaults_to_sqlite(tmp_path):
    settings = PipelineSettings(project_dir=str(tmp_path))

    expected = f"sqlite:///{tmp_path.resolve()}/mlruns/mlflow.db"
    assert settings.resolved_tracking_uri() == expected


def test_settings_tracking_uri_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://tracking.example:5000")
    settings = PipelineSettings(project_dir=str(tmp_path))

    assert settings.resolved_tracking_uri() == "http://tracking.example:5000"


def test_settings_explicit_tracking_uri_wins(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://tracking.example:5000")
    settings = PipelineSettings(tracking_uri="sqlite:////data/mlflow.db")

    assert settings.resolved_tracking_uri() == "sqlite:////data/mlflow.db"


def test_settings_artifact_location_default(tmp_path):
    settings = PipelineSettings(project_dir=str(tmp_path))

    expected = (tmp_path.resolve() / "mlruns" / "artifacts").as_uri()
    assert settings.resolved_artifact_location() == expected
    assert expected.startswith("file:///")


def test_settings_default_features_match_constant():
    assert PipelineSettings().feature_columns == DEFAULT_FEATURE_COLUMNS


def test_settings_unity_catalog_three_level_name():
    settings = PipelineSettings.from_mapping(
        {
            "registry_uri": "databricks-uc",
            "registered_model_name": "main.taxi_tips.taxi_tip_regressor",
        }
    )

    assert settings.registered_model_name == "main.taxi_tips.taxi_tip_regressor"


def test_settings_databricks_artifact_location_is_server_side(tmp_path):
    settings = PipelineSettings(tracking_uri="databricks", project_dir=str(tmp_path))
    explicit = PipelineSettings(
        tracking_uri="databricks", artifact_location="dbfs:/taxi_tips/artifacts"
    )

    assert settings.resolved_artifact_location() is None
    assert explicit.resolved_artifact_location() == "dbfs:/taxi_tips/artifacts"


def test_settings_from_dbt_meta_merges_grid():
    settings = settings_from_dbt_meta(
        {"ml_settings": {"use_registry": False}, "param_grid": {"max_depth": [3]}}
    )

    assert settings.use_registry is False
    assert settings.param_grid == {"max_depth": (3,)}


def test_settings_from_dbt_meta_rejects_second_grid():
    meta = {"ml_settings": {"param_grid": {"max_depth": [3]}}, "param_grid": {}}

    with pytest.raises(ValueError, match="Move the grid to ml_param_grid"):
        settings_from_dbt_meta(meta)
