"""Conversion of dbt inputs to pandas and preparation of model inputs.

:func:`to_pandas` is the only place that converts an engine's relation or
DataFrame to pandas. The other functions take pandas frames.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ml.settings import PipelineSettings, resolve_settings

logger = logging.getLogger(__name__)

TRIP_ID_COLUMN = "trip_id"

# Fees that older trip records leave empty. An empty fee was not charged, so
# it counts as zero dollars.
ZERO_WHEN_NULL_COLUMNS: frozenset[str] = frozenset(
    {"extra", "mta_tax", "tolls_amount", "improvement_surcharge"}
)

# Hash buckets for the validation split. trip_id is 32 hex characters, and its
# first 8 give an integer that is spread evenly over the buckets.
_SPLIT_BUCKETS = 10_000

# Value of each byte as a hexadecimal digit, -1 for bytes that are not one.
_HEX_DIGIT_VALUES = np.full(256, -1, dtype="int64")
for _value, _character in enumerate("0123456789abcdef"):
    _HEX_DIGIT_VALUES[ord(_character)] = _value
    _HEX_DIGIT_VALUES[ord(_character.upper())] = _value


def to_pandas(obj: Any) -> pd.DataFrame:
    """Convert a dbt input relation or DataFrame to a pandas DataFrame.

    Parameters
    ----------
    obj : pandas.DataFrame, duckdb.DuckDBPyRelation or pyspark.sql.DataFrame
        A pandas DataFrame is returned unchanged. A DuckDB relation is fetched
        as Arrow and converted with :func:`arrow_to_pandas`. A PySpark
        DataFrame is collected with ``.toPandas()``.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    TypeError
        If ``obj`` is not one of the supported types.
    """
    if isinstance(obj, pd.DataFrame):
        return obj
    # Match by module name so that neither duckdb nor pyspark must be installed.
    root_module = type(obj).__module__.split(".")[0]
    if root_module == "duckdb" and hasattr(obj, "arrow"):
        frame = arrow_to_pandas(obj.arrow())
    elif root_module == "pyspark" and hasattr(obj, "toPandas"):
        frame = obj.toPandas()
    else:
        raise TypeError(
            f"Cannot convert {type(obj).__module__}.{type(obj).__qualname__} to "
            f"pandas; expected a pandas DataFrame, a DuckDB relation or a PySpark "
            f"DataFrame such as the result of dbt.ref()."
        )
    logger.debug("Converted %s to pandas: %d rows", type(obj).__name__, len(frame))
    return frame


def arrow_to_pandas(data: Any) -> pd.DataFrame:
    """Convert an Arrow table or record batch reader to pandas.

    DuckDB's own ``.df()`` builds each column row by row and takes about ten
    times as long for a million trips as going through Arrow. Dates become
    ``datetime64`` columns, as ``.df()`` gives them. The Arrow buffers are
    released column by column as they are converted, so peak memory stays
    near one copy of the data.
    """
    import pyarrow as pa

    table = data.read_all() if isinstance(data, pa.RecordBatchReader) else data
    return table.to_pandas(date_as_object=False, split_blocks=True, self_destruct=True)


def check_columns(frame: pd.DataFrame, required: list[str] | tuple[str, ...]) -> None:
    """Raise ValueError if ``frame`` lacks any of the ``required`` columns."""
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ValueError(
            f"Missing column(s) {missing}. The frame has columns "
            f"{list(frame.columns)}; add the missing columns to the input model or "
            f"change feature_columns."
        )


def features_and_target(
    frame: pd.DataFrame,
    settings: Mapping[str, Any] | PipelineSettings | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Build the feature matrix and target from a trip frame.

    Booleans become 0.0 and 1.0 and every feature becomes float64. Nulls in
    the fee columns of :data:`ZERO_WHEN_NULL_COLUMNS` become 0.0.

    Parameters
    ----------
    frame : pandas.DataFrame
        Trips with the feature columns and the target column.
    settings : Mapping, PipelineSettings or None, default=None
        Pipeline settings. ``feature_columns`` and ``target_column`` are used.

    Returns
    -------
    x : pandas.DataFrame
        Features in ``feature_columns`` order, all float64.
    y : pandas.Series
        Target as float64.

    Raises
    ------
    ValueError
        If a column is missing, or a feature outside the fee columns or the
        target contains nulls.
    """
    settings = resolve_settings(settings)
    features = list(settings.feature_columns)
    check_columns(frame, [*features, settings.target_column])
    x = feature_matrix(frame, settings)
    y = frame[settings.target_column].astype("float64")
    if y.isna().any():
        raise ValueError(
            f"Target column {settings.target_column!r} has {int(y.isna().sum())} "
            f"null value(s); filter those trips out before training or scoring."
        )
    return x, y.rename(settings.target_column)


def feature_matrix(
    frame: pd.DataFrame,
    settings: Mapping[str, Any] | PipelineSettings | None = None,
) -> pd.DataFrame:
    """Build the float64 feature matrix from a trip frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        Trips with the feature columns.
    settings : Mapping, PipelineSettings or None, default=None
        Pipeline settings. ``feature_columns`` is used.

    Returns
    -------
    pandas.DataFrame
        Features in ``feature_columns`` order, all float64.
    """
    settings = resolve_settings(settings)
    features = list(settings.feature_columns)
    check_columns(frame, features)
    x = pd.DataFrame(
        {column: frame[column].astype("float64") for column in features},
        index=frame.index,
    )
    fill_columns = [column for column in features if column in ZERO_WHEN_NULL_COLUMNS]
    x[fill_columns] = x[fill_columns].fillna(0.0)
    null_counts = x.isna().sum()
    null_counts = null_counts[null_counts > 0]
    if not null_counts.empty:
        raise ValueError(
            f"Feature column(s) contain nulls: {null_counts.to_dict()} (column: "
            f"count). Fill or filter them in the input model."
        )
    return x


def split_validation(
    frame: pd.DataFrame,
    settings: Mapping[str, Any] | PipelineSettings | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split training trips into a fit part and a validation part.

    A trip goes to validation when ``int(trip_id[:8], 16) % 10000`` is below
    ``validation_fraction * 10000``. The split depends only on ``trip_id``, so
    every run and every engine holds out the same trips. Both parts are sorted
    by ``trip_id`` so that row order, and with it any seeded sampling, does not
    depend on the order the engine returned.

    Parameters
    ----------
    frame : pandas.DataFrame
        Training trips with a ``trip_id`` column of hexadecimal strings.
    settings : Mapping, PipelineSettings or None, default=None
        Pipeline settings. ``validation_fraction`` is used.

    Returns
    -------
    fit_frame : pandas.DataFrame
    validation_frame : pandas.DataFrame

    Raises
    ------
    ValueError
        If ``trip_id`` is missing or not hexadecimal, or either part is empty.
    """
    settings = resolve_settings(settings)
    buckets = trip_id_buckets(frame)
    threshold = settings.validation_fraction * _SPLIT_BUCKETS
    is_validation = buckets < threshold
    ordered = frame.assign(_is_validation=is_validation).sort_values(
        TRIP_ID_COLUMN, kind="stable"
    )
    fit_frame = ordered[~ordered["_is_validation"]].drop(columns="_is_validation")
    validation_frame = ordered[ordered["_is_validation"]].drop(columns="_is_validation")
    if fit_frame.empty or validation_frame.empty:
        raise ValueError(
            f"The validation split of {len(frame)} training rows with "
            f"validation_fraction={settings.validation_fraction} gave "
            f"{len(fit_frame)} fit rows and {len(validation_frame)} validation rows; "
            f"both must be non-empty. Use more training rows or change "
            f"validation_fraction."
        )
    return fit_frame.reset_index(drop=True), validation_frame.reset_index(drop=True)


def trip_id_buckets(frame: pd.DataFrame) -> np.ndarray:
    """Return the hash bucket in ``[0, 10000)`` of each row's ``trip_id``."""
    check_columns(frame, [TRIP_ID_COLUMN])
    trip_ids = frame[TRIP_ID_COLUMN]
    if trip_ids.isna().any():
        raise ValueError(
            f"Column {TRIP_ID_COLUMN!r} has {int(trip_ids.isna().sum())} null "
            f"value(s); every trip needs an id."
        )
    prefixes = trip_ids.astype(str).str.slice(0, 8)
    is_hex = prefixes.str.fullmatch(r"[0-9a-fA-F]+").to_numpy(dtype=bool)
    if not is_hex.all():
        bad = prefixes[~is_hex].iloc[0]
        raise ValueError(
            f"Column {TRIP_ID_COLUMN!r} must start with hexadecimal characters, "
            f"got a value starting with {bad!r}; build trip_id as an MD5 hex digest."
        )
    # Decode the prefixes as one byte matrix instead of calling int() per row,
    # which takes seconds per million trips. Prefixes shorter than 8
    # characters are padded with NUL bytes, which only their length excludes.
    characters = np.frombuffer(
        prefixes.to_numpy(dtype="S8").tobytes(), dtype=np.uint8
    ).reshape(len(prefixes), 8)
    digits = _HEX_DIGIT_VALUES[characters]
    is_digit = np.arange(8) < prefixes.str.len().to_numpy()[:, np.newaxis]
    values = np.zeros(len(prefixes), dtype="int64")
    for position in range(8):
        values = np.where(
            is_digit[:, position], values * 16 + digits[:, position], values
        )
    return values % _SPLIT_BUCKETS


def sample_rows(
    frame: pd.DataFrame, n_rows: int | None, random_seed: int
) -> pd.DataFrame:
    """Return a seeded sample of ``n_rows`` rows, or ``frame`` if it is not larger.

    Sort ``frame`` by ``trip_id`` first (as :func:`split_validation` does) to
    get the same sample on every engine.
    """
    if n_rows is None or len(frame) <= n_rows:
        return frame
    return frame.sample(n=n_rows, random_state=random_seed).sort_index()


def pickup_date_range(frame: pd.DataFrame) -> tuple[str | None, str | None]:
    """Return the first and last ``pickup_date`` as ISO strings, or None."""
    if "pickup_date" not in frame.columns or frame.empty:
        return None, None
    dates = pd.to_datetime(frame["pickup_date"])
    if dates.isna().all():
        return None, None
    return dates.min().date().isoformat(), dates.max().date().isoformat()
