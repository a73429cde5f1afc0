"""Baseline comparison of candidate regressors, one MLflow run per candidate."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import mlflow
import pandas as pd
from sklearn.base import BaseEstimator

from ml.estimators import CANDIDATE_NAMES, REFERENCE_CANDIDATES, build_candidate
from ml.frames import (
    features_and_target,
    sample_rows,
    split_validation,
    to_pandas,
    training_columns,
)
from ml.metrics import METRIC_NAMES, regression_metrics
from ml.settings import PipelineSettings, resolve_settings
from ml.tracking import (
    configure_tracking,
    data_params,
    estimator_params,
    log_fitted_estimator,
    params_to_json,
    run_model_uri,
)

logger = logging.getLogger(__name__)

BASELINE_COLUMNS: tuple[str, ...] = (
    "candidate",
    "estimator_class",
    "is_reference",
    "run_id",
    "model_uri",
    "params_json",
    "fit_rows",
    "validation_rows",
    "test_rows",
    *(f"validation_{name}" for name in METRIC_NAMES),
    *(f"test_{name}" for name in METRIC_NAMES),
    "fit_seconds",
    "trained_at",
)
"""Columns of the frame returned by :func:`run_baseline`, in order."""


def run_baseline(
    train: Any,
    test: Any,
    settings: Mapping[str, Any] | PipelineSettings | None = None,
) -> pd.DataFrame:
    """Fit and evaluate every baseline candidate, one MLflow run each.

    Each candidate is fit on the training rows outside the validation split,
    a seeded sample of ``baseline_sample_rows`` of them when there are more,
    scored on the validation split for model selection and on ``test`` for
    reporting. Runs carry the tags ``candidate`` and ``stage=baseline``.

    Parameters
    ----------
    train : pandas.DataFrame or relation accepted by :func:`ml.frames.to_pandas`
        Training trips.
    test : pandas.DataFrame or relation accepted by :func:`ml.frames.to_pandas`
        Test trips.
    settings : Mapping, PipelineSettings or None, default=None
        Pipeline settings. ``baseline_estimators`` overrides candidate params
        and ``baseline_sample_rows`` sets the fit sample.

    Returns
    -------
    pandas.DataFrame
        One row per candidate with the columns in :data:`BASELINE_COLUMNS`.
    """
    settings = resolve_settings(settings)
    train = to_pandas(train, training_columns(train, settings))
    test = to_pandas(test, [*settings.feature_columns, settings.target_column])
    if test.empty:
        raise ValueError("The test frame is empty; the baseline needs test trips.")
    fit_frame, validation_frame = split_validation(train, settings)
    del train
    fit_frame = sample_rows(
        fit_frame, settings.baseline_sample_rows, settings.random_seed
    )
    x_fit, y_fit = features_and_target(fit_frame, settings)
    x_validation, y_validation = features_and_target(validation_frame, settings)
    x_test, y_test = features_and_target(test, settings)
    experiment_id = configure_tracking(settings)
    run_params = data_params(
        fit_frame,
        settings,
        fit_rows=len(fit_frame),
        validation_rows=len(validation_frame),
        test_rows=len(test),
    )

    rows = []
    for name in CANDIDATE_NAMES:
        estimator = build_candidate(
            name, settings.random_seed, settings.baseline_estimators.get(name)
        )
        fit_seconds = _fit(estimator, x_fit, y_fit)
        validation_predictions = estimator.predict(x_validation)
        metrics = {
            **regression_metrics(y_validation, validation_predictions, "validation"),
            **regression_metrics(y_test, estimator.predict(x_test), "test"),
        }
        run_id = _log_run(
            name,
            estimator,
            x_fit,
            run_params,
            metrics,
            experiment_id,
            settings,
            evaluation=(y_validation, validation_predictions, "validation"),
        )
        logger.info(
            "Baseline candidate %s: validation MAE %.4f, test MAE %.4f (run %s)",
            name,
            metrics["validation_mean_absolute_error"],
            metrics["test_mean_absolute_error"],
            run_id,
        )
        rows.append(
            {
                "candidate": name,
                "estimator_class": type(estimator).__name__,
                "is_reference": name in REFERENCE_CANDIDATES,
                "run_id": run_id,
                "model_uri": run_model_uri(run_id),
                "params_json": params_to_json(estimator_params(estimator)),
                "fit_rows": len(x_fit),
                "validation_rows": len(x_validation),
                "test_rows": len(x_test),
                **metrics,
                "fit_seconds": fit_seconds,
                "trained_at": pd.Timestamp.now(tz="UTC"),
            }
        )
    return pd.DataFrame(rows, columns=list(BASELINE_COLUMNS))


def _fit(estimator: BaseEstimator, x: pd.DataFrame, y: pd.Series) -> float:
    started = time.perf_counter()
    estimator.fit(x, y)
    return time.perf_counter() - started


def _log_run(
    name: str,
    estimator: BaseEstimator,
    x_fit: pd.DataFrame,
    run_params: Mapping[str, Any],
    metrics: Mapping[str, float],
    experiment_id: str,
    settings: PipelineSettings,
    evaluation: tuple[Any, Any, str],
) -> str:
    tags = {"candidate": name, "stage": "baseline"}
    with mlflow.start_run(
        experiment_id=experiment_id, run_name=f"baseline_{name}", tags=tags
    ) as run:
        log_fitted_estimator(
            estimator,
            x_fit,
            params=run_params,
            metrics=metrics,
            evaluation=evaluation,
            settings=settings,
        )
    return run.info.run_id
