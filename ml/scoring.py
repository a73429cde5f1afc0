"""Batch scoring of trips with a logged or registered model."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import mlflow
import numpy as np
import pandas as pd

from ml.frames import check_columns, features_and_target, to_pandas
from ml.metrics import ACCURACY_TOLERANCE_USD
from ml.settings import PipelineSettings, resolve_settings
from ml.tracking import set_tracking_uri

logger = logging.getLogger(__name__)

TRIP_COLUMNS: tuple[str, ...] = (
    "trip_id",
    "pickup_datetime",
    "pickup_date",
    "pickup_hour",
    "pickup_day_of_week",
    "period_of_day",
    "is_weekend",
)
"""Trip columns copied from the input to the scored frame."""

SCORED_COLUMNS: tuple[str, ...] = (
    *TRIP_COLUMNS,
    "actual_tip_amount",
    "predicted_tip_amount",
    "prediction_error",
    "absolute_error",
    "is_within_1usd",
    "model_uri",
    "model_version",
    "scored_at",
)
"""Columns of the frame returned by :func:`score_trips`, in order."""

_VERSION_URI = re.compile(r"^models:/[^/@]+/(?P<version>\d+)$")


def score_trips(
    frame: Any,
    model_uri: str,
    settings: Mapping[str, Any] | PipelineSettings | None = None,
    model_version: str | None = None,
) -> pd.DataFrame:
    """Predict the tip of every trip and compare it with the actual tip.

    The model is loaded once and predicts ``scoring_batch_rows`` rows at a
    time, so peak memory for features grows with the batch size rather than
    the input size. Every row is scored.

    Parameters
    ----------
    frame : pandas.DataFrame or relation accepted by :func:`ml.frames.to_pandas`
        Trips with the feature columns, the target and :data:`TRIP_COLUMNS`.
    model_uri : str
        MLflow model URI, for example ``models:/taxi_tip_regressor/3`` or
        ``runs:/<run_id>/model``.
    settings : Mapping, PipelineSettings or None, default=None
        Pipeline settings.
    model_version : str or None, default=None
        Version recorded in the output. None takes it from a
        ``models:/<name>/<version>`` URI and leaves it null otherwise.

    Returns
    -------
    pandas.DataFrame
        One row per input trip with the columns in :data:`SCORED_COLUMNS`.
        ``prediction_error`` is predicted minus actual tip, in dollars.

    Raises
    ------
    ValueError
        If ``frame`` has no rows or lacks a required column.
    """
    settings = resolve_settings(settings)
    required = [*TRIP_COLUMNS, *settings.feature_columns, settings.target_column]
    frame = to_pandas(frame, list(dict.fromkeys(required)))
    if frame.empty:
        raise ValueError(
            f"Cannot score an empty frame (columns {list(frame.columns)}); check "
            f"that the input model selects at least one trip."
        )
    check_columns(
        frame, [*TRIP_COLUMNS, *settings.feature_columns, settings.target_column]
    )
    if model_version is None:
        match = _VERSION_URI.match(model_uri)
        model_version = match["version"] if match else None

    set_tracking_uri(settings)
    model = mlflow.pyfunc.load_model(model_uri)
    batch_rows = settings.scoring_batch_rows
    predicted_batches = []
    actual_batches = []
    for start in range(0, len(frame), batch_rows):
        batch = frame.iloc[start : start + batch_rows]
        features, actual = features_and_target(batch, settings)
        predicted_batches.append(np.asarray(model.predict(features), dtype="float64"))
        actual_batches.append(actual.to_numpy())
    predicted = np.concatenate(predicted_batches)
    actual = np.concatenate(actual_batches)
    logger.info(
        "Scored %d trips with %s in %d batch(es)",
        len(frame),
        model_uri,
        len(predicted_batches),
    )
    return _scored_frame(frame, actual, predicted, model_uri, model_version)


def _scored_frame(
    frame: pd.DataFrame,
    actual: np.ndarray,
    predicted: np.ndarray,
    model_uri: str,
    model_version: str | None,
) -> pd.DataFrame:
    scored = frame.loc[:, list(TRIP_COLUMNS)].reset_index(drop=True)
    error = predicted - actual
    scored["actual_tip_amount"] = actual
    scored["predicted_tip_amount"] = predicted
    scored["prediction_error"] = error
    scored["absolute_error"] = np.abs(error)
    scored["is_within_1usd"] = np.abs(error) <= ACCURACY_TOLERANCE_USD
    scored["model_uri"] = model_uri
    scored["model_version"] = pd.Series(
        [model_version] * len(scored), dtype="str", index=scored.index
    )
    scored["scored_at"] = pd.Timestamp.now(tz="UTC")
    return scored
