"""Grid search over gradient boosting parameters with nested MLflow runs."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Mapping
from typing import Any

import mlflow
import pandas as pd

from ml.estimators import ESTIMATOR_CLASSES
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

VALIDATION_METRIC_COLUMNS: tuple[str, ...] = tuple(
    f"validation_{name}" for name in METRIC_NAMES
)


def run_grid_search(
    train: Any,
    settings: Mapping[str, Any] | PipelineSettings | None = None,
) -> pd.DataFrame:
    """Fit one ``tuning_estimator`` per combination of ``param_grid``.

    The search logs one parent run (tag ``stage=tuning``) with one nested
    child run per combination. Each combination is fit on the training rows
    outside the validation split, optionally a seeded sample of
    ``tuning_sample_rows`` of them, and scored on the validation split only.
    Test rows are never read. The parent run logs the validation MAE and the
    params of the best combination.

    Parameters
    ----------
    train : pandas.DataFrame or relation accepted by :func:`ml.frames.to_pandas`
        Training trips.
    settings : Mapping, PipelineSettings or None, default=None
        Pipeline settings. ``tuning_estimator``, ``param_grid`` and
        ``tuning_sample_rows`` are used.

    Returns
    -------
    pandas.DataFrame
        One row per combination with the columns ``parent_run_id``,
        ``run_id``, ``model_uri``, ``combination_index``, ``estimator_class``,
        one column per grid parameter, ``params_json``, the ``validation_*`` metrics,
        ``fit_rows``, ``fit_seconds`` and ``trained_at``.
    """
    settings = resolve_settings(settings)
    train = to_pandas(train, training_columns(train, settings))
    fit_frame, validation_frame = split_validation(train, settings)
    del train
    fit_frame = sample_rows(
        fit_frame, settings.tuning_sample_rows, settings.random_seed
    )
    x_fit, y_fit = features_and_target(fit_frame, settings)
    x_validation, y_validation = features_and_target(validation_frame, settings)
    experiment_id = configure_tracking(settings)
    run_params = data_params(
        fit_frame,
        settings,
        fit_rows=len(fit_frame),
        validation_rows=len(validation_frame),
    )
    combinations = grid_combinations(settings.param_grid)
    logger.info(
        "Grid search over %d combinations on %d fit rows and %d validation rows",
        len(combinations),
        len(fit_frame),
        len(validation_frame),
    )

    rows = []
    with mlflow.start_run(
        experiment_id=experiment_id, run_name="grid_search", tags={"stage": "tuning"}
    ) as parent:
        mlflow.log_params(
            {
                **run_params,
                "n_combinations": len(combinations),
                "estimator_class": settings.tuning_estimator,
            }
        )
        for index, combination in enumerate(combinations):
            row = _fit_combination(
                index,
                combination,
                x_fit,
                y_fit,
                x_validation,
                y_validation,
                run_params,
                experiment_id,
                settings,
            )
            rows.append({"parent_run_id": parent.info.run_id, **row})
        best = min(
            rows,
            key=lambda row: (
                row["validation_mean_absolute_error"],
                row["combination_index"],
            ),
        )
        _log_best(best, settings.param_grid)

    columns = [
        "parent_run_id",
        "run_id",
        "model_uri",
        "combination_index",
        "estimator_class",
        *settings.param_grid,
        "params_json",
        *VALIDATION_METRIC_COLUMNS,
        "fit_rows",
        "fit_seconds",
        "trained_at",
    ]
    return pd.DataFrame(rows, columns=columns)


def grid_combinations(param_grid: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Expand a parameter grid into its combinations, in a fixed order.

    Parameters
    ----------
    param_grid : Mapping of str to sequence
        Parameter names and the values to try.

    Returns
    -------
    list of dict
        Every combination, varying the last key fastest, as
        :class:`sklearn.model_selection.ParameterGrid` would for sorted keys.
    """
    names = list(param_grid)
    return [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*(param_grid[name] for name in names))
    ]


def _fit_combination(
    index: int,
    combination: Mapping[str, Any],
    x_fit: pd.DataFrame,
    y_fit: pd.Series,
    x_validation: pd.DataFrame,
    y_validation: pd.Series,
    run_params: Mapping[str, Any],
    experiment_id: str,
    settings: PipelineSettings,
) -> dict[str, Any]:
    estimator_class = ESTIMATOR_CLASSES[settings.tuning_estimator]
    estimator = estimator_class(random_state=settings.random_seed, **combination)
    started = time.perf_counter()
    estimator.fit(x_fit, y_fit)
    fit_seconds = time.perf_counter() - started
    predictions = estimator.predict(x_validation)
    metrics = regression_metrics(y_validation, predictions, "validation")

    tags = {"stage": "tuning", "combination_index": str(index)}
    with mlflow.start_run(
        experiment_id=experiment_id,
        run_name=f"grid_{index:03d}",
        nested=True,
        tags=tags,
    ) as child:
        log_fitted_estimator(
            estimator,
            x_fit,
            params={**run_params, "combination_index": index},
            metrics=metrics,
            evaluation=(y_validation, predictions, "validation"),
            settings=settings,
        )
    logger.info(
        "Grid combination %d %s: validation MAE %.4f (run %s)",
        index,
        dict(combination),
        metrics["validation_mean_absolute_error"],
        child.info.run_id,
    )
    return {
        "run_id": child.info.run_id,
        "model_uri": run_model_uri(child.info.run_id),
        "combination_index": index,
        "estimator_class": settings.tuning_estimator,
        **combination,
        "params_json": params_to_json(estimator_params(estimator)),
        **metrics,
        "fit_rows": len(x_fit),
        "fit_seconds": fit_seconds,
        "trained_at": pd.Timestamp.now(tz="UTC"),
    }


def _log_best(best: Mapping[str, Any], param_grid: Mapping[str, Any]) -> None:
    mlflow.log_metric(
        "best_validation_mean_absolute_error", best["validation_mean_absolute_error"]
    )
    mlflow.log_params(
        {
            "best_combination_index": best["combination_index"],
            "best_run_id": best["run_id"],
            **{f"best_{name}": best[name] for name in param_grid},
        }
    )
