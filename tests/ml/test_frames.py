import duckdb
import numpy as np
import pandas as pd
import pytest

from ml.frames import (
    features_and_target,
    sample_rows,
    split_validation,
    to_pandas,
    training_columns,
    trip_id_buckets,
)
from ml.settings import DEFAULT_FEATURE_COLUMNS


def test_to_pandas_passes_pandas_through(train_trips):
    assert to_pandas(train_trips) is train_trips


def test_to_pandas_duckdb_relation():
    relation = duckdb.connect().sql(
        "select 'a1' as trip_id, 2.5::double as fare_amount, true as is_weekend, "
        "date '2023-01-02' as pickup_date "
        "union all select 'b2', 7.0, false, date '2023-01-03' order by trip_id"
    )

    frame = to_pandas(relation)

    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == [
        "trip_id",
        "fare_amount",
        "is_weekend",
        "pickup_date",
    ]
    assert frame["trip_id"].tolist() == ["a1", "b2"]
    assert frame["fare_amount"].tolist() == [2.5, 7.0]
    assert frame["is_weekend"].tolist() == [True, False]
    assert frame["pickup_date"].dtype.kind == "M"
    assert frame["pickup_date"].tolist() == [
        pd.Timestamp("2023-01-02"),
        pd.Timestamp("2023-01-03"),
    ]


def test_to_pandas_selects_and_orders_relation(train_trips):
    connection = duckdb.connect()
    connection.register("trips", train_trips)
    relation = connection.sql("select * from trips")

    frame = to_pandas(relation, ["trip_id", "fare_amount"], order_by="trip_id")

    assert list(frame.columns) == ["trip_id", "fare_amount"]
    assert frame["trip_id"].tolist() == sorted(train_trips["trip_id"])
    assert len(frame) == len(train_trips)


def test_to_pandas_selects_and_orders_pandas(train_trips):
    frame = to_pandas(train_trips, ["fare_amount", "trip_id"], order_by="trip_id")

    assert list(frame.columns) == ["fare_amount", "trip_id"]
    assert frame["trip_id"].tolist() == sorted(train_trips["trip_id"])


def test_to_pandas_missing_column(train_trips):
    relation = duckdb.connect().sql("select 'a1' as trip_id")

    with pytest.raises(ValueError, match=r"Missing column\(s\) \['fare_amount'\]"):
        to_pandas(relation, ["trip_id", "fare_amount"])
    with pytest.raises(ValueError, match=r"\['fare_amount'\]"):
        to_pandas(train_trips.drop(columns="fare_amount"), ["fare_amount"])
    with pytest.raises(ValueError, match="order_by column 'trip_id'"):
        to_pandas(relation, ["fare_amount"], order_by="trip_id")


def test_training_columns_include_pickup_date(train_trips):
    columns = training_columns(train_trips)

    assert columns[0] == "trip_id"
    feature_count = len(DEFAULT_FEATURE_COLUMNS)
    assert columns[1 : 1 + feature_count] == list(DEFAULT_FEATURE_COLUMNS)
    assert columns[1 + feature_count :] == ["tip_amount", "pickup_date"]
    assert "pickup_date" not in training_columns(
        train_trips.drop(columns="pickup_date")
    )


def test_to_pandas_duckdb_relation_over_pandas(train_trips):
    connection = duckdb.connect()
    connection.register("trips", train_trips)

    frame = to_pandas(connection.sql("select * from trips"))

    assert len(frame) == len(train_trips)
    assert frame["trip_id"].tolist() == train_trips["trip_id"].tolist()


@pytest.mark.parametrize(
    "value",
    [None, [1, 2], {"trip_id": ["a"]}, np.zeros((2, 2)), pd.Series([1.0])],
)
def test_to_pandas_rejects_other_types(value):
    with pytest.raises(TypeError, match=type(value).__qualname__):
        to_pandas(value)


def test_features_and_target_types(train_trips):
    x, y = features_and_target(train_trips)

    assert list(x.columns) == list(DEFAULT_FEATURE_COLUMNS)
    assert set(x.dtypes) == {np.dtype("float64")}
    assert y.dtype == np.dtype("float64")
    assert y.name == "tip_amount"
    assert "total_amount" not in x.columns
    assert len(x) == len(train_trips)


def test_features_and_target_booleans_become_zero_one(train_trips):
    x, _ = features_and_target(train_trips)

    expected = train_trips["is_weekend"].astype(int).to_numpy()
    np.testing.assert_array_equal(x["is_weekend"].to_numpy(), expected)
    assert set(x["is_rush_hour"].unique()) == {0.0, 1.0}


def test_features_and_target_null_surcharge_becomes_zero(train_trips):
    assert train_trips["improvement_surcharge"].isna().any()

    x, _ = features_and_target(train_trips)

    assert not x["improvement_surcharge"].isna().any()
    is_null = train_trips["improvement_surcharge"].isna().to_numpy()
    assert (x.loc[is_null, "improvement_surcharge"] == 0.0).all()
    assert (x.loc[~is_null, "improvement_surcharge"] == 0.3).all()


def test_features_and_target_missing_column(train_trips):
    frame = train_trips.drop(columns=["fare_amount", "extra"])

    with pytest.raises(
        ValueError, match=r"Missing column\(s\) \['fare_amount', 'extra'\]"
    ):
        features_and_target(frame)
    with pytest.raises(ValueError, match=r"The frame has columns \['trip_id'"):
        features_and_target(frame)


def test_features_and_target_missing_target(train_trips):
    with pytest.raises(ValueError, match=r"\['tip_amount'\]"):
        features_and_target(train_trips.drop(columns="tip_amount"))


def test_features_and_target_null_feature(train_trips):
    frame = train_trips.head(10).copy()
    frame.loc[[2, 5], "trip_distance"] = np.nan

    with pytest.raises(ValueError, match=r"\{'trip_distance': 2\}"):
        features_and_target(frame)


def test_features_and_target_custom_columns(train_trips):
    settings = {"feature_columns": ["fare_amount", "is_weekend"]}

    x, y = features_and_target(train_trips, settings)

    assert list(x.columns) == ["fare_amount", "is_weekend"]
    np.testing.assert_array_equal(y.to_numpy(), train_trips["tip_amount"].to_numpy())


def test_split_validation_deterministic_and_disjoint(train_trips):
    fit_frame, validation_frame = split_validation(train_trips)
    shuffled = train_trips.sample(frac=1.0, random_state=3)
    fit_again, validation_again = split_validation(shuffled)

    pd.testing.assert_frame_equal(fit_frame, fit_again)
    pd.testing.assert_frame_equal(validation_frame, validation_again)
    fit_ids = set(fit_frame["trip_id"])
    validation_ids = set(validation_frame["trip_id"])
    assert fit_ids.isdisjoint(validation_ids)
    assert fit_ids | validation_ids == set(train_trips["trip_id"])
    assert len(fit_frame) + len(validation_frame) == len(train_trips)


def test_split_validation_follows_trip_id_rule(train_trips):
    _, validation_frame = split_validation(train_trips, {"validation_fraction": 0.3})

    expected = {
        trip_id
        for trip_id in train_trips["trip_id"]
        if int(trip_id[:8], 16) % 10_000 < 3_000
    }
    assert set(validation_frame["trip_id"]) == expected
    assert 0.25 < len(validation_frame) / len(train_trips) < 0.35


def test_split_validation_empty_part(train_trips):
    one_row = train_trips.head(1)

    with pytest.raises(ValueError, match=r"gave \d fit rows and \d validation rows"):
        split_validation(one_row)


def test_split_validation_non_hex_trip_id(train_trips):
    frame = train_trips.head(5).assign(trip_id=["zzzz0000", "a", "b", "c", "d"])

    with pytest.raises(ValueError, match="starting with 'zzzz0000'"):
        split_validation(frame)


def test_trip_id_buckets_values():
    frame = pd.DataFrame(
        {"trip_id": ["00000000" + "0" * 24, "000027100000", "ffffffff"]}
    )

    buckets = trip_id_buckets(frame)

    assert buckets.tolist() == [0, 0, 0xFFFFFFFF % 10_000]


def test_sample_rows_is_seeded(train_trips):
    first = sample_rows(train_trips, 100, random_seed=5)
    second = sample_rows(train_trips, 100, random_seed=5)
    other_seed = sample_rows(train_trips, 100, random_seed=6)

    assert len(first) == 100
    pd.testing.assert_frame_equal(first, second)
    assert set(first["trip_id"]) != set(other_seed["trip_id"])
    assert sample_rows(train_trips, None, random_seed=5) is train_trips
