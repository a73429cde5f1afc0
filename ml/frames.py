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

_SPARK_ARROW_SETTING = "spark.sql.execution.arrow.pyspark.enabled"

# Value of each byte as a hexadecimal digit, -1 for bytes that are not one.
_HEX_DIGIT_VALUES = np.full(256, -1, dtype="int64")
for _value, _character in enumerate("0123456789abcdef"):
    _HEX_DIGIT_VALUES[ord(_character)] = _value
    _HEX_DIGIT_VALUES[ord(_character.upper())] = _value


def to_pandas(
    obj: Any,
    columns: list[str] | tuple[str, ...] | None = None,
    order_by: str | None = None,
) -> pd.DataFrame:
    """Convert a dbt input relation or DataFrame to a pandas DataFrame.

    Parameters
    ----------
    obj : pandas.DataFrame, duckdb.DuckDBPyRelation or pyspark.sql.DataFrame
        A pandas DataFrame is returned unchanged unless ``columns`` or
        ``order_by`` is given. A DuckDB relation is fetched as Arrow and
        converted with :func:`arrow_to_pandas`. A PySpark DataFrame, classic
        or Spark Connect, is collected to the driver with ``.toPandas()``
        through Apache Arrow.
    columns : list of str or None, default=None
        Columns to keep, in this order. None keeps all. On a relation the
        engine selects them, so the other columns are never fetched.
    order_by : str or None, default=None
        Column to sort the rows by, ascending. On a relation the engine
        sorts, which needs no second copy of the rows in Python.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    TypeError
        If ``obj`` is not one of the supported types.
    ValueError
        If a column of ``columns`` or ``order_by`` is missing.
    """
    wanted = [*(columns if columns is not None else columns_of(obj))]
    if order_by is not None and order_by not in wanted:
        raise ValueError(
            f"order_by column {order_by!r} is not among the selected columns "
            f"{wanted}; add it to columns."
        )
    if isinstance(obj, pd.DataFrame):
        if columns is None and order_by is None:
            return obj
        check_columns(obj, wanted)
        frame = obj.loc[:, wanted]
        if order_by is not None:
            frame = frame.sort_values(order_by, kind="stable")
        return frame
    # Match by module name so that neither duckdb nor pyspark must be installed.
    root_module = type(obj).__module__.split(".")[0]
    if root_module == "duckdb" and hasattr(obj, "arrow"):
        _check_available(columns_of(obj), wanted)
        relation = obj.project(", ".join(_quote(name) for name in wanted))
        if order_by is not None:
            relation = relation.order(_quote(order_by))
        frame = arrow_to_pandas(relation.arrow())
    elif is_spark_frame(obj):
        _check_available(columns_of(obj), wanted)
        spark_frame = obj.select(*wanted)
        if order_by is not None:
            spark_frame = spark_frame.orderBy(order_by)
        frame = _spark_to_pandas(spark_frame)
    else:
        raise TypeError(
            f"Cannot convert {type(obj).__module__}.{type(obj).__qualname__} to "
            f"pandas; expected a pandas DataFrame, a DuckDB relation or a PySpark "
            f"DataFrame such as the result of dbt.ref()."
        )
    logger.debug("Converted %s to pandas: %d rows", type(obj).__name__, len(frame))
    return frame


def is_spark_frame(obj: Any) -> bool:
    """Return True for a PySpark DataFrame, classic or Spark Connect."""
    # Match by module name so that pyspark need not be installed.
    return type(obj).__module__.split(".")[0] == "pyspark" and hasattr(obj, "toPandas")


def _spark_to_pandas(frame: Any) -> pd.DataFrame:
    # Arrow moves columns in batches instead of pickling row by row. The
    # setting is session-wide, so the caller's value is put back afterwards.
    conf = frame.sparkSession.conf
    previous = conf.get(_SPARK_ARROW_SETTING, None)
    conf.set(_SPARK_ARROW_SETTING, "true")
    try:
        return frame.toPandas()
    finally:
        if previous is None:
            conf.unset(_SPARK_ARROW_SETTING)
        else:
            conf.set(_SPARK_ARROW_SETTING, previous)


def columns_of(obj: Any) -> list[str]:
    """Return the column names of a pandas, DuckDB or PySpark frame."""
    columns = getattr(obj, "columns", None)
    if columns is None:
        raise TypeError(
            f"Cannot read the columns of {type(obj).__module__}."
            f"{type(obj).__qualname__}; expected a pandas DataFrame, a DuckDB "
            f"relation or a PySpark DataFrame such as the result of dbt.ref()."
        )
    return [str(column) for column in columns]


def training_columns(
    obj: Any, settings: Mapping[str, Any] | PipelineSettings | None = None
) -> list[str]:
    """Return the columns that training reads from a trip relation or frame.

    These are ``trip_id``, the feature columns, the target and, when ``obj``
    has it, ``pickup_date`` (logged as the date range of the run).
    """
    settings = resolve_settings(settings)
    columns = [TRIP_ID_COLUMN, *settings.feature_columns, settings.target_column]
    if "pickup_date" in columns_of(obj):
        columns.append("pickup_date")
    return list(dict.fromkeys(columns))


def _check_available(available: list[str], wanted: list[str]) -> None:
    missing = [column for column in wanted if column not in available]
    if missing:
        raise ValueError(
            f"Missing column(s) {missing}. The input has columns {available}; add "
            f"the missing columns to the input model or change feature_columns."
        )


def _quote(name: str) -> str:
    escaped = name.replace('"', '""')
    return f'"{escaped}"'


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
    # One float64 block, so scikit-learn reads the matrix without a copy.
    values = np.empty((len(frame), len(features)), dtype="float64", order="F")
    for position, column in enumerate(features):
        values[:, position] = frame[column].to_numpy(dtype="float64", na_value=np.nan)
        if column in ZERO_WHEN_NULL_COLUMNS:
            np.nan_to_num(values[:, position], copy=False, nan=0.0)
    null_counts = {
        column: int(count)
        for column, count in zip(features, np.isnan(values).sum(axis=0), strict=True)
        if count
    }
    if null_counts:
        raise ValueError(
            f"Feature column(s) contain nulls: {null_counts} (column: "
            f"count). Fill or filter them in the input model."
        )
    return pd.DataFrame(values, columns=features, index=frame.index, copy=False)


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
    ordered = frame.sort_values(TRIP_ID_COLUMN, kind="stable")
    threshold = settings.validation_fraction * _SPLIT_BUCKETS
    is_validation = trip_id_buckets(ordered) < threshold
    fit_frame = ordered[~is_validation]
    validation_frame = ordered[is_validation]
    del ordered
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
