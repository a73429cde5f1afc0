"""MLflow set-up and logging of fitted estimators as runs."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import mlflow
import mlflow.sklearn
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from mlflow.exceptions import MlflowException
from mlflow.models import infer_signature
from mlflow.models.model import ModelInfo
from sklearn.base import BaseEstimator

from ml.frames import pickup_date_range
from ml.settings import PipelineSettings, resolve_settings

logger = logging.getLogger(__name__)

MODEL_ARTIFACT_NAME = "model"
FEATURE_IMPORTANCE_ARTIFACT = "feature_importance.json"

# Scatter plots with more points take long to render and add nothing visible.
_MAX_FIGURE_POINTS = 5_000


def set_tracking_uri(
    settings: Mapping[str, Any] | PipelineSettings | None = None,
) -> str:
    """Point MLflow at the tracking URI, and the registry URI if set, from settings.

    For a SQLite URI, the folder of the database file is created first.

    Parameters
    ----------
    settings : Mapping, PipelineSettings or None, default=None
        Pipeline settings.

    Returns
    -------
    str
        The tracking URI now in use.
    """
    settings = resolve_settings(settings)
    uri = settings.resolved_tracking_uri()
    if uri.startswith("sqlite:///"):
        database = Path(uri.removeprefix("sqlite:///"))
        database.parent.mkdir(parents=True, exist_ok=True)
    # MLflow also copies this URI to the MLFLOW_TRACKING_URI environment variable.
    mlflow.set_tracking_uri(uri)
    if settings.registry_uri is not None:
        mlflow.set_registry_uri(settings.registry_uri)
    return uri


def configure_tracking(
    settings: Mapping[str, Any] | PipelineSettings | None = None,
) -> str:
    """Set the tracking URI and create or get the experiment.

    A new experiment gets ``settings.resolved_artifact_location()`` as its
    artifact root. An existing experiment keeps its own.

    Parameters
    ----------
    settings : Mapping, PipelineSettings or None, default=None
        Pipeline settings.

    Returns
    -------
    str
        The experiment id.

    Raises
    ------
    ValueError
        If an experiment with this name exists but is deleted.
    """
    settings = resolve_settings(settings)
    uri = set_tracking_uri(settings)
    name = settings.experiment_name
    experiment = mlflow.get_experiment_by_name(name)
    if experiment is None:
        experiment = _create_experiment(name, settings.resolved_artifact_location())
    if experiment.lifecycle_stage == "deleted":
        raise ValueError(
            f"MLflow experiment {name!r} (id {experiment.experiment_id}) at {uri} is "
            f"deleted. Restore it with `mlflow experiments restore` or set another "
            f"experiment_name."
        )
    logger.info(
        "Using MLflow experiment %r (id %s) at %s", name, experiment.experiment_id, uri
    )
    return experiment.experiment_id


def _create_experiment(name: str, artifact_location: str | None) -> Any:
    if artifact_location is not None:
        _make_local_folder(artifact_location)
    try:
        experiment_id = mlflow.create_experiment(
            name, artifact_location=artifact_location
        )
    except MlflowException:
        # Another dbt thread may have created it after our lookup.
        experiment = mlflow.get_experiment_by_name(name)
        if experiment is None:
            raise
        return experiment
    logger.info(
        "Created MLflow experiment %r (id %s) with artifacts at %s",
        name,
        experiment_id,
        artifact_location,
    )
    return mlflow.get_experiment(experiment_id)


def _make_local_folder(location: str) -> None:
    parsed = urlparse(location)
    if parsed.scheme == "file":
        Path(parsed.path).mkdir(parents=True, exist_ok=True)
    elif parsed.scheme == "":
        Path(location).mkdir(parents=True, exist_ok=True)


def estimator_params(estimator: BaseEstimator) -> dict[str, Any]:
    """Return the constructor parameters of ``estimator`` as JSON-ready values."""
    params = estimator.get_params(deep=False)
    return json.loads(json.dumps(params, sort_keys=True, default=repr))


def params_to_json(params: Mapping[str, Any]) -> str:
    """Serialise estimator parameters with sorted keys, for the params_json columns."""
    return json.dumps(dict(params), sort_keys=True, default=repr)


def data_params(
    frame: pd.DataFrame,
    settings: PipelineSettings,
    **row_counts: int,
) -> dict[str, Any]:
    """Describe the training data of a run as MLflow params.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows the estimator was fit on. Only ``pickup_date`` is read.
    settings : PipelineSettings
        Pipeline settings, for the feature list, target and seed.
    **row_counts : int
        Row counts to log, for example ``fit_rows=1600``.

    Returns
    -------
    dict of str to Any
    """
    first_date, last_date = pickup_date_range(frame)
    return {
        **row_counts,
        "feature_columns": ",".join(settings.feature_columns),
        "n_features": len(settings.feature_columns),
        "target_column": settings.target_column,
        "pickup_date_min": first_date,
        "pickup_date_max": last_date,
        "random_seed": settings.random_seed,
        "validation_fraction": settings.validation_fraction,
    }


def log_fitted_estimator(
    estimator: BaseEstimator,
    x: pd.DataFrame,
    *,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    evaluation: tuple[Any, Any, str] | None,
    settings: PipelineSettings,
) -> ModelInfo:
    """Log a fitted estimator, its params, metrics and artifacts to the active run.

    Parameters
    ----------
    estimator : sklearn.base.BaseEstimator
        Fitted estimator.
    x : pandas.DataFrame
        Features it was fit on. The first five rows become the input example.
    params : Mapping
        Data params to log in addition to ``estimator.get_params()``.
    metrics : Mapping of str to float
        Metrics to log. NaN values are skipped.
    evaluation : tuple of (y_true, y_pred, split) or None
        Data for the predicted-versus-actual and residual figures.
    settings : PipelineSettings
        Pipeline settings. ``log_model_figures`` is used.

    Returns
    -------
    mlflow.models.ModelInfo
        Information on the logged model.
    """
    if mlflow.active_run() is None:
        raise RuntimeError("log_fitted_estimator needs an active MLflow run.")
    mlflow.log_params({**estimator_params(estimator), **params})
    finite_metrics = {
        name: value for name, value in metrics.items() if not np.isnan(value)
    }
    mlflow.log_metrics(finite_metrics)

    importance = feature_importance(estimator, list(x.columns))
    if importance is not None:
        mlflow.log_dict(importance, FEATURE_IMPORTANCE_ARTIFACT)
    if settings.log_model_figures and evaluation is not None:
        _log_figures(*evaluation, random_seed=settings.random_seed)
    return _log_model(estimator, x)


def _log_model(estimator: BaseEstimator, x: pd.DataFrame) -> ModelInfo:
    example = x.head(5)
    signature = infer_signature(example, estimator.predict(example))
    # MLflow 3.17 saves scikit-learn models with skops by default, and skops
    # rejects the tree objects inside tree ensembles as untrusted types. The
    # models are written and read only by this project, so cloudpickle is used.
    # Passing pip_requirements skips MLflow's requirement inference, which
    # reloads each model in a subprocess.
    # NOTE: models of MedianTipRateRegressor are pickled by reference to
    # ml.estimators, so loading them needs this package installed.
    return mlflow.sklearn.log_model(
        estimator,
        name=MODEL_ARTIFACT_NAME,
        serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_CLOUDPICKLE,
        signature=signature,
        input_example=example,
        pip_requirements=mlflow.sklearn.get_default_pip_requirements(
            include_cloudpickle=True
        ),
    )


def run_model_uri(run_id: str) -> str:
    """Return the ``runs:/`` URI of the model logged by a run."""
    return f"runs:/{run_id}/{MODEL_ARTIFACT_NAME}"


def feature_importance(
    estimator: BaseEstimator, feature_names: list[str]
) -> dict[str, Any] | None:
    """Return the estimator's feature importances or coefficients, or None.

    Parameters
    ----------
    estimator : sklearn.base.BaseEstimator
        Fitted estimator.
    feature_names : list of str
        Names of the columns it was fit on.

    Returns
    -------
    dict or None
        ``{"source": attribute name, "features": [{"feature", "importance"}]}``
        sorted by descending absolute value, or None when the estimator has
        neither ``feature_importances_`` nor ``coef_``. Coefficients are in
        target dollars per feature unit, so they compare only across features
        of the same scale.
    """
    for attribute in ("feature_importances_", "coef_"):
        values = getattr(estimator, attribute, None)
        if values is not None:
            break
    else:
        return None
    values = np.ravel(np.asarray(values, dtype="float64"))
    if values.shape[0] != len(feature_names):
        logger.warning(
            "%s has %d values for %d features; feature importance is not logged",
            attribute,
            values.shape[0],
            len(feature_names),
        )
        return None
    rows = [
        {"feature": name, "importance": float(value)}
        for name, value in zip(feature_names, values, strict=True)
    ]
    rows.sort(key=lambda row: (-abs(row["importance"]), row["feature"]))
    return {"source": attribute, "features": rows}


def _log_figures(y_true: Any, y_pred: Any, split: str, random_seed: int) -> None:
    actual = np.asarray(y_true, dtype="float64")
    predicted = np.asarray(y_pred, dtype="float64")
    if actual.size > _MAX_FIGURE_POINTS:
        rng = np.random.default_rng(random_seed)
        keep = rng.choice(actual.size, size=_MAX_FIGURE_POINTS, replace=False)
        actual, predicted = actual[keep], predicted[keep]

    # Figure objects made without pyplot render with the Agg canvas, so no
    # global matplotlib backend is set or needed.
    figure = Figure(figsize=(6, 6))
    axes = figure.subplots()
    axes.scatter(actual, predicted, s=4, alpha=0.3)
    upper = float(max(actual.max(), predicted.max(), 1.0))
    axes.plot([0.0, upper], [0.0, upper], color="black", linewidth=1)
    axes.set_xlabel("Actual tip (USD)")
    axes.set_ylabel("Predicted tip (USD)")
    axes.set_title(f"Predicted vs actual tip ({split})")
    mlflow.log_figure(figure, f"figures/{split}_predicted_vs_actual.png")

    figure = Figure(figsize=(6, 4))
    axes = figure.subplots()
    axes.scatter(predicted, predicted - actual, s=4, alpha=0.3)
    axes.axhline(0.0, color="black", linewidth=1)
    axes.set_xlabel("Predicted tip (USD)")
    axes.set_ylabel("Residual: predicted minus actual (USD)")
    axes.set_title(f"Residuals ({split})")
    mlflow.log_figure(figure, f"figures/{split}_residuals.png")
