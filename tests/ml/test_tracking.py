import mlflow
import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression
from sklearn.tree import DecisionTreeRegressor

from ml.settings import PipelineSettings
from ml.tracking import configure_tracking, feature_importance, set_tracking_uri


def test_configure_tracking_default_store(tmp_path):
    settings = {"project_dir": str(tmp_path)}

    experiment_id = configure_tracking(settings)

    assert (tmp_path / "mlruns" / "mlflow.db").is_file()
    assert mlflow.get_tracking_uri() == f"sqlite:///{tmp_path}/mlruns/mlflow.db"
    experiment = mlflow.get_experiment(experiment_id)
    assert experiment.name == "taxi_tip_prediction"
    expected_location = (tmp_path / "mlruns" / "artifacts").as_uri()
    assert experiment.artifact_location == expected_location


def test_set_tracking_uri_sets_registry_uri(tmp_path):
    tracking_uri = f"sqlite:///{tmp_path / 'tracking.db'}"
    registry_uri = f"sqlite:///{tmp_path / 'registry.db'}"

    returned = set_tracking_uri(
        {"tracking_uri": tracking_uri, "registry_uri": registry_uri}
    )

    assert returned == tracking_uri
    assert mlflow.get_tracking_uri() == tracking_uri
    assert mlflow.get_registry_uri() == registry_uri


def test_configure_tracking_reuses_experiment(mlflow_settings):
    first = configure_tracking(mlflow_settings)
    second = configure_tracking(mlflow_settings)

    assert first == second
    assert (
        len(mlflow.search_experiments(filter_string="name = 'taxi_tip_prediction'"))
        == 1
    )


def test_configure_tracking_deleted_experiment(mlflow_settings):
    experiment_id = configure_tracking(mlflow_settings)
    mlflow.delete_experiment(experiment_id)

    with pytest.raises(ValueError, match="is deleted"):
        configure_tracking(PipelineSettings.from_mapping(mlflow_settings))


def test_feature_importance_tree_and_linear():
    x = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    y = 3.0 * x["a"] - 0.5 * x["b"]

    tree = feature_importance(
        DecisionTreeRegressor(random_state=0).fit(x, y), ["a", "b"]
    )
    linear = feature_importance(LinearRegression().fit(x, y), ["a", "b"])

    assert tree["source"] == "feature_importances_"
    assert sum(row["importance"] for row in tree["features"]) == pytest.approx(1.0)
    assert linear["source"] == "coef_"
    assert linear["features"][0]["feature"] == "a"
    assert linear["features"][0]["importance"] == pytest.approx(3.0)
    assert linear["features"][1]["importance"] == pytest.approx(-0.5)


def test_feature_importance_none_without_attribute():
    model = DummyRegressor().fit(np.zeros((3, 1)), [1.0, 2.0, 3.0])

    assert feature_importance(model, ["a"]) is None
