import math

import numpy as np
import pytest

from ml.metrics import regression_metrics


def test_regression_metrics_hand_computed():
    actual = [0.0, 2.0, 4.0, 10.0]
    predicted = [0.5, 2.0, 3.0, 12.0]

    metrics = regression_metrics(actual, predicted, "test")

    # Errors are 0.5, 0, -1 and 2 dollars.
    assert metrics["test_mean_absolute_error"] == pytest.approx(0.875)
    assert metrics["test_root_mean_squared_error"] == pytest.approx(math.sqrt(1.3125))
    # Sum of squared errors 5.25 over total sum of squares 56.
    assert metrics["test_r2_score"] == pytest.approx(1 - 5.25 / 56)
    # Only the three tipped rows count: (0/2 + 1/4 + 2/10) / 3.
    assert metrics["test_mean_absolute_percentage_error"] == pytest.approx(0.15)
    # An error of exactly one dollar counts as accurate.
    assert metrics["test_pct_accurate_within_1usd"] == pytest.approx(75.0)


def test_regression_metrics_keys_use_split_prefix():
    metrics = regression_metrics([1.0, 2.0], [1.0, 2.5], "validation")

    assert list(metrics) == [
        "validation_mean_absolute_error",
        "validation_root_mean_squared_error",
        "validation_r2_score",
        "validation_mean_absolute_percentage_error",
        "validation_pct_accurate_within_1usd",
    ]
    assert all(isinstance(value, float) for value in metrics.values())


def test_regression_metrics_no_tips_gives_nan_percentage_error():
    metrics = regression_metrics(np.zeros(3), [0.0, 1.5, 0.2], "test")

    assert math.isnan(metrics["test_mean_absolute_percentage_error"])
    assert metrics["test_mean_absolute_error"] == pytest.approx(1.7 / 3)
    assert metrics["test_pct_accurate_within_1usd"] == pytest.approx(200 / 3)


@pytest.mark.parametrize(
    ("actual", "predicted", "split", "match"),
    [
        ([1.0, 2.0], [1.0], "test", r"shapes \(2,\) and \(1,\)"),
        ([[1.0]], [[1.0]], "test", "1-dimensional"),
        ([], [], "test", "zero rows"),
        ([1.0], [1.0], "", "split must be a non-empty string"),
    ],
)
def test_regression_metrics_rejects_invalid(actual, predicted, split, match):
    with pytest.raises(ValueError, match=match):
        regression_metrics(actual, predicted, split)
