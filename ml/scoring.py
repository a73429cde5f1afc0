"""Batch scoring of trips with a logged or registered model.

:func:`score_trips` scores a pandas frame (or a relation it converts) on the
driver. :func:`score_trips_spark` scores a Spark DataFrame on the executors
through ``mlflow.pyfunc.spark_udf``, so the trips are never collected.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import mlflow
import numpy as np
import pandas as pd

from ml.frames import (
    ZERO_WHEN_NULL_COLUMNS,
    check_columns,
    features_and_target,
    to_pandas,
)
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
"""Columns of the frame returned by :func:`score_trips` and
:func:`score_trips_spark`, in order."""

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
        model_version = _version_from_uri(model_uri)

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


def score_trips_spark(
    frame: Any,
    model_uri: str,
    settings: Mapping[str, Any] | PipelineSettings | None = None,
    model_version: str | None = None,
) -> Any:
    """Predict the tip of every trip of a Spark DataFrame on the executors.

    The model is wrapped in ``mlflow.pyfunc.spark_udf``, which Spark feeds
    with Arrow batches of ``spark.sql.execution.arrow.maxRecordsPerBatch``
    rows (``scoring_batch_rows`` applies to :func:`score_trips` only). The
    features get the same treatment as in :func:`ml.frames.feature_matrix`:
    float64, booleans as 0.0 and 1.0, and null fees as 0.0. The checks for
    empty input and null values each run one Spark job before scoring.

    Parameters
    ----------
    frame : pyspark.sql.DataFrame
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
    pyspark.sql.DataFrame
        One row per input trip with the columns in :data:`SCORED_COLUMNS`, not
        yet computed: Spark scores the trips when the frame is written.

    Raises
    ------
    ValueError
        If ``frame`` has no rows, lacks a required column, or has nulls in a
        feature outside the fee columns or in the target.
    """
    from pyspark.sql import functions as sql_functions

    settings = resolve_settings(settings)
    required = [*TRIP_COLUMNS, *settings.feature_columns, settings.target_column]
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ValueError(
            f"Missing column(s) {missing}. The frame has columns {frame.columns}; "
            f"add the missing columns to the input model or change feature_columns."
        )
    if frame.isEmpty():
        raise ValueError(
            f"Cannot score an empty frame (columns {frame.columns}); check that the "
            f"input model selects at least one trip."
        )
    _check_no_spark_nulls(frame, settings)
    if model_version is None:
        model_version = _version_from_uri(model_uri)

    set_tracking_uri(settings)
    predict = mlflow.pyfunc.spark_udf(
        frame.sparkSession, model_uri, result_type="double", env_manager="local"
    )
    features = []
    for column in settings.feature_columns:
        value = sql_functions.col(column).cast("double")
        if column in ZERO_WHEN_NULL_COLUMNS:
            value = sql_functions.coalesce(value, sql_functions.lit(0.0))
        features.append(value.alias(column))

    # The struct passes the features to the model by name, as the model's
    # signature lists them.
    scored = frame.select(
        *TRIP_COLUMNS,
        sql_functions.col(settings.target_column)
        .cast("double")
        .alias("actual_tip_amount"),
        predict(sql_functions.struct(*features)).alias("predicted_tip_amount"),
    )
    error = sql_functions.col("predicted_tip_amount") - sql_functions.col(
        "actual_tip_amount"
    )
    scored = (
        scored.withColumn("prediction_error", error)
        .withColumn("absolute_error", sql_functions.abs(error))
        .withColumn(
            "is_within_1usd", sql_functions.abs(error) <= ACCURACY_TOLERANCE_USD
        )
        .withColumn("model_uri", sql_functions.lit(model_uri))
        .withColumn("model_version", sql_functions.lit(model_version).cast("string"))
        .withColumn("scored_at", sql_functions.current_timestamp())
    )
    logger.info("Scoring trips on Spark with %s (version %s)", model_uri, model_version)
    return scored.select(*SCORED_COLUMNS)


def _check_no_spark_nulls(frame: Any, settings: PipelineSettings) -> None:
    from pyspark.sql import functions as sql_functions

    checked = [
        column
        for column in settings.feature_columns
        if column not in ZERO_WHEN_NULL_COLUMNS
    ]
    checked.append(settings.target_column)
    counts = frame.select(
        *[
            sql_functions.sum(sql_functions.col(column).isNull().cast("int")).alias(
                column
            )
            for column in checked
        ]
    ).first()
    null_counts = {column: counts[column] for column in checked if counts[column]}
    if null_counts:
        raise ValueError(
            f"Column(s) contain nulls: {null_counts} (column: count). Fill or "
            f"filter them in the input model."
        )


def _version_from_uri(model_uri: str) -> str | None:
    match = _VERSION_URI.match(model_uri)
    return match["version"] if match else None
