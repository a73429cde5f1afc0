"""The Python models and Gold on the shipped trips, with the MLflow store they write.

The build runs twice on the same data: the second build must reproduce the
metrics and split and must leave the champion alias where it was.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import mlflow
import pytest
from mlflow.tracking import MlflowClient

from ml.frames import feature_matrix
from tests.functional.conftest import BuiltProject

pytestmark = pytest.mark.dbt

MODEL_NAME = "taxi_tip_regressor"


def _client(project: BuiltProject) -> MlflowClient:
    uri = f"sqlite:///{project.project_dir / 'mlruns' / 'mlflow.db'}"
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _state(project: BuiltProject) -> dict:
    return {
        "baseline": project.query(
            "select candidate, validation_mean_absolute_error, "
            "test_mean_absolute_error from medallion_ml.taxi_tip_baseline "
            "order by candidate"
        ),
        "tuning": project.query(
            "select combination_index, validation_mean_absolute_error "
            "from medallion_ml.taxi_tip_tuning order by combination_index"
        ),
        "test_ids": project.query(
            "select trip_id from medallion_ml.taxi_tip_test order by trip_id"
        ),
        "reference": project.query(
            "select selected_candidate, model_version, champion_version, "
            "promoted, test_mean_absolute_error from medallion_ml.best_model_ref"
        ),
    }


@dataclass(frozen=True)
class TwoBuilds:
    project: BuiltProject
    first: dict
    second: dict


@pytest.fixture(scope="module")
def two_builds(built_project: BuiltProject) -> TwoBuilds:
    """State after the first build, then after a second `dbt build`."""
    first = _state(built_project)
    result = built_project.dbt("build")
    assert result.returncode == 0, result.stdout[-5000:]
    return TwoBuilds(built_project, first, _state(built_project))


def test_baseline_has_every_candidate(built_project: BuiltProject) -> None:
    rows = dict(
        built_project.query(
            "select candidate, is_reference from medallion_ml.taxi_tip_baseline"
        )
    )
    assert rows == {
        "linear_regression": False,
        "decision_tree": False,
        "random_forest": False,
        "gradient_boosting": False,
        "hist_gradient_boosting_absolute_error": False,
        "reference_training_mean": True,
        "reference_median_tip_rate": True,
    }


def test_grid_search_is_one_parent_with_8_children(
    built_project: BuiltProject,
) -> None:
    [(parent_run_id, combinations)] = built_project.query(
        "select any_value(parent_run_id), count(*) from medallion_ml.taxi_tip_tuning"
    )
    assert combinations == 8
    client = _client(built_project)
    parent = client.get_run(parent_run_id)
    children = client.search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent_run_id}'",
    )
    assert len(children) == 8
    assert "mlflow.parentRunId" not in parent.data.tags


def test_first_build_promotes_champion(two_builds: TwoBuilds) -> None:
    [(_, version, champion_version, promoted, _)] = two_builds.first["reference"]
    assert promoted is True
    assert version == champion_version == "1"


def test_champion_alias_points_at_version(built_project: BuiltProject) -> None:
    [(champion_version,)] = built_project.query(
        "select champion_version from medallion_ml.best_model_ref"
    )
    alias = _client(built_project).get_model_version_by_alias(MODEL_NAME, "champion")
    assert str(alias.version) == champion_version


def _approx_rows(rows: list[tuple]) -> list:
    # Sums over threads may differ in the last bit between runs.
    return [pytest.approx(row, rel=1e-9) for row in rows]


def test_second_build_keeps_metrics_and_split(two_builds: TwoBuilds) -> None:
    first, second = two_builds.first, two_builds.second
    assert [row[0] for row in second["baseline"]] == [
        row[0] for row in first["baseline"]
    ]
    assert [row[1:] for row in second["baseline"]] == _approx_rows(
        [row[1:] for row in first["baseline"]]
    )
    assert second["tuning"] == _approx_rows(first["tuning"])
    assert second["test_ids"] == first["test_ids"]


def test_second_build_keeps_champion(two_builds: TwoBuilds) -> None:
    [first] = two_builds.first["reference"]
    [(candidate, version, champion_version, promoted, mae)] = two_builds.second[
        "reference"
    ]
    assert candidate == first[0]
    assert version == "2"
    assert champion_version == "1"
    assert promoted is False
    assert mae == pytest.approx(first[4], abs=1e-9)
    alias = _client(two_builds.project).get_model_version_by_alias(
        MODEL_NAME, "champion"
    )
    assert str(alias.version) == "1"


def test_champion_beats_reference_predictors(built_project: BuiltProject) -> None:
    [(champion_mae,)] = built_project.query(
        "select avg(absolute_error) from medallion_ml.taxi_tip_scored"
    )
    references = dict(
        built_project.query(
            "select candidate, test_mean_absolute_error "
            "from medallion_ml.taxi_tip_baseline where is_reference"
        )
    )
    assert champion_mae < references["reference_median_tip_rate"]
    assert champion_mae < references["reference_training_mean"]


def test_every_test_trip_scored_once(built_project: BuiltProject) -> None:
    [(test_rows, scored_rows, matched_rows)] = built_project.query(
        """
        select
            (select count(*) from medallion_ml.taxi_tip_test),
            (select count(*) from medallion_ml.taxi_tip_scored),
            (
                select count(*)
                from medallion_ml.taxi_tip_scored as scored
                inner join medallion_ml.taxi_tip_test as test_rows
                    on scored.trip_id = test_rows.trip_id
                    and scored.actual_tip_amount = test_rows.tip_amount
            )
        """
    )
    assert scored_rows == test_rows
    assert matched_rows == test_rows


def test_scores_match_registered_model(built_project: BuiltProject) -> None:
    [(model_uri,)] = built_project.query(
        "select model_uri from medallion_ml.best_model_ref"
    )
    store_uri = f"sqlite:///{built_project.project_dir / 'mlruns' / 'mlflow.db'}"
    mlflow.set_tracking_uri(store_uri)
    # Earlier tests may have set another registry in this process.
    mlflow.set_registry_uri(store_uri)
    with duckdb.connect(str(built_project.database_path), read_only=True) as db:
        test_rows = db.execute(
            "select * from medallion_ml.taxi_tip_test order by trip_id limit 50"
        ).df()
        stored = db.execute(
            "select trip_id, predicted_tip_amount from medallion_ml.taxi_tip_scored"
        ).df()
    predictions = mlflow.pyfunc.load_model(model_uri).predict(feature_matrix(test_rows))
    expected = stored.set_index("trip_id").loc[test_rows["trip_id"]]
    assert list(predictions) == pytest.approx(
        list(expected["predicted_tip_amount"]), abs=1e-9
    )


def test_gold_totals_match_scored_trips(built_project: BuiltProject) -> None:
    [(gold_trips, gold_actual, gold_within)] = built_project.query(
        """
        select
            sum(trip_count),
            sum(avg_actual_tip * trip_count),
            sum(pct_accurate_within_1usd * trip_count) / 100
        from medallion_gold.taxi_tip_predictions
        """
    )
    [(trips, actual_total, within)] = built_project.query(
        """
        select count(*), sum(actual_tip_amount), sum(is_within_1usd::integer)
        from medallion_ml.taxi_tip_scored
        """
    )
    assert gold_trips == trips
    assert gold_actual == pytest.approx(actual_total, abs=1e-6)
    assert gold_within == pytest.approx(within, abs=1e-6)


@pytest.mark.parametrize(
    "analysis",
    [
        "night_trip_predicted_tip",
        "hour_with_largest_error",
        "weekend_accuracy",
        "actual_vs_predicted_by_period",
        "morning_or_night_tips",
    ],
)
def test_analysis_runs_on_gold(built_project: BuiltProject, analysis: str) -> None:
    result = built_project.dbt("compile", "--select", analysis)
    assert result.returncode == 0, result.stdout[-3000:]
    compiled = next(
        (built_project.project_dir / "target" / "compiled").rglob(f"{analysis}.sql")
    )
    rows = built_project.query(compiled.read_text())
    assert rows
    assert all(value is not None for row in rows for value in row)
