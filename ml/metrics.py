"""Regression metrics for tip predictions."""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import (
    mean_absolute_error,
    mean_absolute_percentage_error,
    r2_score,
    root_mean_squared_error,
)

logger = logging.getLogger(__name__)

METRIC_NAMES: tuple[str, ...] = (
    "mean_absolute_error",
    "root_mean_squared_error",
    "r2_score",
    "mean_absolute_percentage_error",
    "pct_accurate_within_1usd",
)
"""Metric names without the split prefix, in the order they are reported."""

ACCURACY_TOLERANCE_USD = 1.0
"""Maximum absolute error, in dollars, for a prediction to count as accurate."""


def regression_metrics(
    y_true: ArrayLike, y_pred: ArrayLike, split: str
) -> dict[str, float]:
    """Compute the tip regression metrics for one data split.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Actual tips in dollars.
    y_pred : array-like of shape (n_samples,)
        Predicted tips in dollars.
    split : str
        Prefix of every key, for example ``"validation"`` or ``"test"``.

    Returns
    -------
    dict of str to float
        ``<split>_mean_absolute_error``, ``<split>_root_mean_squared_error``,
        ``<split>_r2_score``, ``<split>_mean_absolute_percentage_error`` and
        ``<split>_pct_accurate_within_1usd``.

    Notes
    -----
    The percentage error divides by the actual tip, which is undefined for the
    many trips without a tip. It is therefore computed over rows with an
    actual tip above zero only, as a fraction (0.25 means 25 %), and is NaN
    when no such row exists. ``pct_accurate_within_1usd`` is the percentage
    (0 to 100) of rows with an absolute error of at most one dollar.
    """
    if not isinstance(split, str) or not split:
        raise ValueError(
            f"split must be a non-empty string such as 'test', got {split!r}."
        )
    actual = np.asarray(y_true, dtype="float64")
    predicted = np.asarray(y_pred, dtype="float64")
    if actual.ndim != 1 or actual.shape != predicted.shape:
        raise ValueError(
            f"y_true and y_pred must be 1-dimensional with the same length, got "
            f"shapes {actual.shape} and {predicted.shape}."
        )
    if actual.size == 0:
        raise ValueError(f"Cannot compute {split} metrics on zero rows.")

    tipped = actual > 0
    if tipped.any():
        percentage_error = float(
            mean_absolute_percentage_error(actual[tipped], predicted[tipped])
        )
    else:
        percentage_error = float("nan")
    within_tolerance = np.abs(predicted - actual) <= ACCURACY_TOLERANCE_USD
    values = {
        "mean_absolute_error": float(mean_absolute_error(actual, predicted)),
        "root_mean_squared_error": float(root_mean_squared_error(actual, predicted)),
        "r2_score": float(r2_score(actual, predicted)),
        "mean_absolute_percentage_error": percentage_error,
        "pct_accurate_within_1usd": float(100.0 * within_tolerance.mean()),
    }
    return {f"{split}_{name}": value for name, value in values.items()}
