"""Selection of the best candidate, final refit and champion promotion."""

from __future__ import annotations

import json
import logging
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.models.model import ModelInfo

from ml.estimators import REFERENCE_CANDIDATES, rebuild_estimator
from ml.frames import TRIP_ID_COLUMN, features_and_target, to_pandas, training_columns
from ml.metrics import METRIC_NAMES, regression_metrics
from ml.settings import PipelineSettings, resolve_settings
from ml.tracking import (
    configure_tracking,
    data_params,
    log_fitted_estimator,
    run_model_uri,
)

logger = logging.getLogger(__name__)

SELECTION_METRIC = "validation_mean_absolute_error"

# Candidate name prefix of a tuned estimator class in best_model_ref.
_GRID_CANDIDATE_PREFIXES = {
    "HistGradientBoostingRegressor": "hist_gradient_boosting",
    "GradientBoostingRegressor": "gradient_boosting",
}

# Random forest predictions add up tree outputs across threads in varying
# order, so refits with the same seed may differ in the last bits. MAE
# differences below this many dollars count as a tie.
MAE_TIE_TOLERANCE = 1e-9

REGISTRY_COLUMNS: tuple[str, ...] = (
    "selected_candidate",
    "source_stage",
    "run_id",
    "fit_rows",
    "model_uri",
    "registered_model_name",
    "model_version",
    "champion_version",
    "promoted",
    "promotion_reason",
    *(f"test_{name}" for name in METRIC_NAMES),
    "champion_test_mean_absolute_error",
    "decided_at",
    "params_json",
)
"""Columns of the frame returned by :func:`select_and_register`, in order."""


@dataclass(frozen=True)
class Selection:
    """Candidate configuration chosen for the final refit."""

    candidate: str
    source_stage: str
    source_run_id: str
    estimator_class: str
    params_json: str
    validation_mean_absolute_error: float


@dataclass(frozen=True)
class _Decision:
    model_uri: str
    registered_model_name: str | None
    model_version: str | None
    champion_version: str | None
    promoted: bool
    reason: str
    champion_mae: float


def select_and_register(
    baseline: Any,
    tuning: Any,
    train: Any,
    test: Any,
    settings: Mapping[str, Any] | PipelineSettings | None = None,
) -> pd.DataFrame:
    """Refit the best candidate on all training rows and manage the champion.

    The candidate with the lowest validation MAE across ``baseline`` and
    ``tuning`` is chosen (reference candidates excluded, ties broken by
    name). Its configuration is refit on every training row as a new run with
    tag ``stage=final`` and scored on ``test``. With ``use_registry`` the
    model is registered as a new version, and the champion alias moves to it
    only when there is no champion yet or its test MAE is strictly lower than
    the champion's on the same test rows.

    Parameters
    ----------
    baseline : pandas.DataFrame or relation
        Output of :func:`ml.baseline.run_baseline`.
    tuning : pandas.DataFrame, relation or None
        Output of :func:`ml.tuning.run_grid_search`. None skips tuned models.
    train : pandas.DataFrame or relation
        Training trips.
    test : pandas.DataFrame or relation
        Test trips.
    settings : Mapping, PipelineSettings or None, default=None
        Pipeline settings.

    Returns
    -------
    pandas.DataFrame
        One row with the columns in :data:`REGISTRY_COLUMNS`. ``model_uri`` is
        the URI to score with: ``models:/<name>/<champion version>`` with the
        registry, else ``runs:/<run_id>/model``.
    """
    settings = resolve_settings(settings)
    tuning = None if tuning is None else to_pandas(tuning)
    selection = select_candidate(to_pandas(baseline), tuning)
    logger.info(
        "Selected %s from %s with validation MAE %.4f",
        selection.candidate,
        selection.source_stage,
        selection.validation_mean_absolute_error,
    )
    # Sorted by trip_id so that row order, and with it the fit, does not
    # depend on the order the engine returns rows in.
    train = to_pandas(train, training_columns(train, settings), order_by=TRIP_ID_COLUMN)
    test = to_pandas(test, [*settings.feature_columns, settings.target_column])
    x_train, y_train = features_and_target(train, settings)
    x_test, y_test = features_and_target(test, settings)
    if x_test.empty:
        raise ValueError("The test frame is empty; the final model needs test trips.")
    run_params = data_params(train, settings, fit_rows=len(train), test_rows=len(test))
    # x_train and x_test are copies, so deleting the trip frames frees their
    # memory before the fit.
    del train, test

    experiment_id = configure_tracking(settings)
    estimator = rebuild_estimator(
        selection.estimator_class, json.loads(selection.params_json)
    )
    started = time.perf_counter()
    estimator.fit(x_train, y_train)
    fit_seconds = time.perf_counter() - started
    predictions = estimator.predict(x_test)
    metrics = regression_metrics(y_test, predictions, "test")
    tags = {
        "stage": "final",
        "candidate": selection.candidate,
        "source_stage": selection.source_stage,
        "source_run_id": selection.source_run_id,
    }
    with mlflow.start_run(
        experiment_id=experiment_id, run_name=f"final_{selection.candidate}", tags=tags
    ) as run:
        model_info = log_fitted_estimator(
            estimator,
            x_train,
            params=run_params,
            metrics={**metrics, "fit_seconds": fit_seconds},
            evaluation=(y_test, predictions, "test"),
            settings=settings,
        )
    run_id = run.info.run_id

    if settings.use_registry:
        decision = _register_and_decide(
            model_info, metrics["test_mean_absolute_error"], x_test, y_test, settings
        )
    else:
        decision = _Decision(
            model_uri=run_model_uri(run_id),
            registered_model_name=None,
            model_version=None,
            champion_version=None,
            promoted=False,
            reason="model registry disabled (use_registry=false): scoring uses the "
            "run's model",
            champion_mae=float("nan"),
        )
    MlflowClient().set_tag(run_id, "promotion_reason", decision.reason)
    return _decision_frame(selection, run_id, len(x_train), decision, metrics)


def select_candidate(baseline: pd.DataFrame, tuning: pd.DataFrame | None) -> Selection:
    """Choose the non-reference candidate with the lowest validation MAE.

    Parameters
    ----------
    baseline : pandas.DataFrame
        Output of :func:`ml.baseline.run_baseline`.
    tuning : pandas.DataFrame or None
        Output of :func:`ml.tuning.run_grid_search`. Tuned rows are named
        ``<estimator>_grid_<combination_index>``, for example
        ``hist_gradient_boosting_grid_003``.

    Returns
    -------
    Selection

    Raises
    ------
    ValueError
        If no non-reference row has a finite validation MAE.
    """
    candidates = [_baseline_candidates(baseline)]
    if tuning is not None and not tuning.empty:
        candidates.append(_tuning_candidates(tuning))
    table = pd.concat(candidates, ignore_index=True)
    table = table[np.isfinite(table[SELECTION_METRIC].astype("float64"))]
    if table.empty:
        raise ValueError(
            "No non-reference candidate with a finite validation MAE was found in "
            "the baseline and tuning results; rerun the baseline before selecting."
        )
    best = table.sort_values([SELECTION_METRIC, "candidate"], kind="stable").iloc[0]
    return Selection(
        candidate=str(best["candidate"]),
        source_stage=str(best["source_stage"]),
        source_run_id=str(best["run_id"]),
        estimator_class=str(best["estimator_class"]),
        params_json=str(best["params_json"]),
        validation_mean_absolute_error=float(best[SELECTION_METRIC]),
    )


def _baseline_candidates(baseline: pd.DataFrame) -> pd.DataFrame:
    required = ["candidate", "estimator_class", "run_id", "params_json"]
    _check_result_columns(baseline, [*required, SELECTION_METRIC], "baseline")
    # The candidate name decides, so that a table read back from a database,
    # where is_reference may have another dtype, gives the same selection.
    keep = ~baseline["candidate"].isin(REFERENCE_CANDIDATES)
    table = baseline.loc[keep, [*required, SELECTION_METRIC]].copy()
    table["source_stage"] = "baseline"
    return table


def _tuning_candidates(tuning: pd.DataFrame) -> pd.DataFrame:
    required = [
        "combination_index",
        "estimator_class",
        "run_id",
        "params_json",
        SELECTION_METRIC,
    ]
    _check_result_columns(tuning, required, "tuning")
    table = tuning[required].copy()
    table["candidate"] = [
        f"{_GRID_CANDIDATE_PREFIXES.get(str(estimator_class), 'tuned')}"
        f"_grid_{int(index):03d}"
        for index, estimator_class in zip(
            table.pop("combination_index"), table["estimator_class"], strict=True
        )
    ]
    table["source_stage"] = "tuning"
    return table


def _check_result_columns(frame: pd.DataFrame, required: list[str], name: str) -> None:
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ValueError(
            f"The {name} results lack column(s) {missing}; got columns "
            f"{list(frame.columns)}. Pass the frame returned by the {name} step."
        )


def _register_and_decide(
    model_info: ModelInfo,
    challenger_mae: float,
    x_test: pd.DataFrame,
    y_test: pd.Series,
    settings: PipelineSettings,
) -> _Decision:
    client = MlflowClient()
    name = settings.registered_model_name
    alias = settings.champion_alias
    champion_version = _champion_version(client, name, alias)
    champion_mae = float("nan")
    if champion_version is not None:
        champion_mae = _champion_test_mae(name, champion_version, x_test, y_test)

    version = mlflow.register_model(model_info.model_uri, name).version
    logger.info("Registered model %r version %s", name, version)
    client.set_model_version_tag(
        name, version, "test_mean_absolute_error", f"{challenger_mae:.6f}"
    )

    if champion_version is None:
        promoted, reason = True, f"no {alias} yet"
    elif np.isnan(champion_mae):
        promoted = True
        reason = (
            f"{alias} version {champion_version} could not score the current test "
            f"rows: version {version} takes over"
        )
    elif challenger_mae < champion_mae - MAE_TIE_TOLERANCE:
        promoted = True
        reason = f"test MAE {challenger_mae:.4f} < {alias} {champion_mae:.4f}"
    else:
        promoted = False
        reason = (
            f"test MAE {challenger_mae:.4f} >= {alias} {champion_mae:.4f}: {alias} kept"
        )

    if promoted:
        client.set_registered_model_alias(name, alias, version)
        logger.info(
            "Moved alias %r of model %r from version %s to version %s: %s",
            alias,
            name,
            champion_version,
            version,
            reason,
        )
        champion_version = str(version)
    else:
        logger.info(
            "Alias %r of model %r stays on version %s: %s",
            alias,
            name,
            champion_version,
            reason,
        )
    return _Decision(
        model_uri=f"models:/{name}/{champion_version}",
        registered_model_name=name,
        model_version=str(version),
        champion_version=champion_version,
        promoted=promoted,
        reason=reason,
        champion_mae=champion_mae,
    )


def _champion_version(client: MlflowClient, name: str, alias: str) -> str | None:
    try:
        registered_model = client.get_registered_model(name)
    except MlflowException as error:
        if error.error_code == "RESOURCE_DOES_NOT_EXIST":
            return None
        raise
    version = registered_model.aliases.get(alias)
    return None if version is None else str(version)


def _champion_test_mae(
    name: str, version: str, x_test: pd.DataFrame, y_test: pd.Series
) -> float:
    uri = f"models:/{name}/{version}"
    try:
        champion = mlflow.pyfunc.load_model(uri)
        predictions = np.asarray(champion.predict(x_test), dtype="float64")
    except MlflowException as error:
        # A champion trained on other feature columns fails the schema check.
        warnings.warn(
            f"Champion {uri} could not score the current test rows, so the new "
            f"version will replace it: {error}",
            UserWarning,
            stacklevel=3,
        )
        return float("nan")
    return regression_metrics(y_test, predictions, "test")["test_mean_absolute_error"]


def _decision_frame(
    selection: Selection,
    run_id: str,
    fit_rows: int,
    decision: _Decision,
    metrics: Mapping[str, float],
) -> pd.DataFrame:
    row = {
        "selected_candidate": selection.candidate,
        "source_stage": selection.source_stage,
        "run_id": run_id,
        "fit_rows": fit_rows,
        "model_uri": decision.model_uri,
        "registered_model_name": decision.registered_model_name,
        "model_version": decision.model_version,
        "champion_version": decision.champion_version,
        "promoted": decision.promoted,
        "promotion_reason": decision.reason,
        **metrics,
        "champion_test_mean_absolute_error": decision.champion_mae,
        "decided_at": pd.Timestamp.now(tz="UTC"),
        "params_json": selection.params_json,
    }
    frame = pd.DataFrame([row], columns=list(REGISTRY_COLUMNS))
    # Typed string columns keep their type when every value is null, so the
    # table that dbt writes has the same schema with and without the registry.
    for column in ("registered_model_name", "model_version", "champion_version"):
        frame[column] = frame[column].astype("str")
    return frame
