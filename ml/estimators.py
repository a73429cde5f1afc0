"""Candidate estimators for the baseline comparison.

Each candidate is a scikit-learn regressor built with the project seed. The two
reference candidates are simple rules that any useful model must beat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import (
    GradientBoostingRegressor,
    HistGradientBoostingRegressor,
    RandomForestRegressor,
)
from sklearn.linear_model import LinearRegression
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.validation import check_is_fitted

logger = logging.getLogger(__name__)


class MedianTipRateRegressor(RegressorMixin, BaseEstimator):
    """Predict the tip as the median training tip rate times the fare.

    The rate is the median of ``tip / fare`` over training rows with a positive
    fare. Rows with a fare of zero or less get a predicted tip of zero.

    Parameters
    ----------
    fare_column : str, default="fare_amount"
        Feature column that contains the fare in dollars.

    Attributes
    ----------
    tip_rate_ : float
        Median tip per dollar of fare in the training rows.
    """

    def __init__(self, fare_column: str = "fare_amount") -> None:
        self.fare_column = fare_column

    def fit(self, X: pd.DataFrame, y: Any) -> MedianTipRateRegressor:  # noqa: N803
        """Compute the median tip rate from the training rows.

        Parameters
        ----------
        X : pandas.DataFrame
            Features, including ``fare_column``.
        y : array-like of shape (n_samples,)
            Tips in dollars.

        Returns
        -------
        self : MedianTipRateRegressor
        """
        fare = self._fare(X)
        tips = np.asarray(y, dtype="float64")
        if tips.shape != fare.shape:
            raise ValueError(
                f"X has {fare.shape[0]} rows but y has {tips.shape[0]} values; "
                f"pass one tip per row."
            )
        positive = fare > 0
        if not positive.any():
            raise ValueError(
                f"Column {self.fare_column!r} has no positive fare in {fare.shape[0]} "
                f"training rows, so no tip rate can be computed."
            )
        self.tip_rate_ = float(np.median(tips[positive] / fare[positive]))
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        """Predict tips in dollars as ``tip_rate_`` times the fare."""
        check_is_fitted(self, "tip_rate_")
        fare = self._fare(X)
        return np.where(fare > 0, self.tip_rate_ * fare, 0.0)

    def _fare(self, X: pd.DataFrame) -> np.ndarray:  # noqa: N803
        if not isinstance(X, pd.DataFrame) or self.fare_column not in X.columns:
            columns = list(X.columns) if isinstance(X, pd.DataFrame) else None
            raise ValueError(
                f"{type(self).__name__} needs a DataFrame with column "
                f"{self.fare_column!r}; got {type(X).__name__} with columns "
                f"{columns}. Add the fare to feature_columns."
            )
        return X[self.fare_column].to_numpy(dtype="float64")


def _linear_regression(seed: int) -> BaseEstimator:
    return LinearRegression()


def _decision_tree(seed: int) -> BaseEstimator:
    return DecisionTreeRegressor(max_depth=10, random_state=seed)


def _random_forest(seed: int) -> BaseEstimator:
    return RandomForestRegressor(
        n_estimators=100, max_depth=10, n_jobs=-1, random_state=seed
    )


def _gradient_boosting(seed: int) -> BaseEstimator:
    return GradientBoostingRegressor(
        n_estimators=100, max_depth=5, learning_rate=0.1, random_state=seed
    )


def _hist_gradient_boosting_absolute_error(seed: int) -> BaseEstimator:
    return HistGradientBoostingRegressor(loss="absolute_error", random_state=seed)


def _reference_training_mean(seed: int) -> BaseEstimator:
    # DummyRegressor(strategy="mean") is scikit-learn's own mean predictor.
    return DummyRegressor(strategy="mean")


def _reference_median_tip_rate(seed: int) -> BaseEstimator:
    return MedianTipRateRegressor()


_CANDIDATE_FACTORIES: dict[str, Callable[[int], BaseEstimator]] = {
    "linear_regression": _linear_regression,
    "decision_tree": _decision_tree,
    "random_forest": _random_forest,
    "gradient_boosting": _gradient_boosting,
    "hist_gradient_boosting_absolute_error": _hist_gradient_boosting_absolute_error,
    "reference_training_mean": _reference_training_mean,
    "reference_median_tip_rate": _reference_median_tip_rate,
}

CANDIDATE_NAMES: tuple[str, ...] = tuple(_CANDIDATE_FACTORIES)
"""Baseline candidate names, in the order they are trained."""

REFERENCE_CANDIDATES: frozenset[str] = frozenset(
    {"reference_training_mean", "reference_median_tip_rate"}
)
"""Candidates that serve as a yardstick and are never selected for registration."""

ESTIMATOR_CLASSES: dict[str, type[BaseEstimator]] = {
    cls.__name__: cls
    for cls in (
        LinearRegression,
        DecisionTreeRegressor,
        RandomForestRegressor,
        GradientBoostingRegressor,
        HistGradientBoostingRegressor,
        DummyRegressor,
        MedianTipRateRegressor,
    )
}
"""Estimator classes by class name, used to rebuild a candidate from its params."""


def build_candidate(
    name: str,
    random_seed: int,
    overrides: Mapping[str, Any] | None = None,
) -> BaseEstimator:
    """Build the unfitted estimator of one baseline candidate.

    Parameters
    ----------
    name : str
        One of :data:`CANDIDATE_NAMES`.
    random_seed : int
        Seed passed as ``random_state`` to estimators that take one.
    overrides : Mapping or None, default=None
        Parameters that replace the candidate defaults.

    Returns
    -------
    estimator : sklearn.base.BaseEstimator
    """
    try:
        factory = _CANDIDATE_FACTORIES[name]
    except KeyError:
        raise ValueError(
            f"Unknown candidate {name!r}; expected one of {list(CANDIDATE_NAMES)}."
        ) from None
    estimator = factory(random_seed)
    if overrides:
        estimator.set_params(**overrides)
    return estimator


def rebuild_estimator(estimator_class: str, params: Mapping[str, Any]) -> BaseEstimator:
    """Build an unfitted estimator from its class name and ``get_params()`` output.

    Parameters
    ----------
    estimator_class : str
        Key of :data:`ESTIMATOR_CLASSES`, for example ``"GradientBoostingRegressor"``.
    params : Mapping
        Constructor parameters, as stored in the ``params_json`` columns.

    Returns
    -------
    estimator : sklearn.base.BaseEstimator
    """
    try:
        cls = ESTIMATOR_CLASSES[estimator_class]
    except KeyError:
        raise ValueError(
            f"Unknown estimator class {estimator_class!r}; expected one of "
            f"{sorted(ESTIMATOR_CLASSES)}."
        ) from None
    return cls(**params)
