"""Bronze on raw TLC files of every era, and the errors for bad input.

The fixtures in tests/data/tlc are real TLC rows, one file per layout and
quirk (see the README there). Expected counts come from reading the files
with Python's csv module, independently of DuckDB's reader.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.functional.conftest import PROJECT_DIR, BuiltProject, copy_project

pytestmark = pytest.mark.dbt

FIXTURES = PROJECT_DIR / "tests" / "data" / "tlc"
FIXTURE_FILES = sorted(path.name for path in FIXTURES.glob("*.csv"))
# The lookups and everything from bronze to the split. The Python models read
# no raw files, so they are left out to keep the build short.
SQL_LAYERS = (
    "--select",
    "path:seeds/reference",
    "taxi_trips_raw+",
    "--exclude",
    "taxi_tip_baseline+",
)
CARD_CODES = {"1", "CREDIT", "CRE", "CRD"}


def _raw_rows(path: Path) -> list[dict[str, str]]:
    """Data rows of a fixture as dicts, blank lines skipped, names trimmed."""
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        header = [name.strip().lower() for name in next(reader)]
        return [dict(zip(header, row, strict=False)) for row in reader if row]


def _payment(row: dict[str, str]) -> str:
    value = row["payment_type"].strip().upper()
    return value.removesuffix(".0")


def _vars(path: str) -> str:
    return "{raw_trips_path: '" + path + "'}"


def _single_query(project: BuiltProject, sql: str) -> object:
    [(value,)] = project.query(sql)
    return value


@pytest.fixture(scope="module")
def files_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltProject]:
    """The project built on every fixture file at once."""
    project_dir = copy_project(tmp_path_factory.mktemp("files") / "project")
    project = BuiltProject(project_dir, project_dir / "taxi_tips.duckdb")
    result = project.dbt("build", *SQL_LAYERS, "--vars", _vars(f"{FIXTURES}/*.csv"))
    assert result.returncode == 0, result.stdout[-5000:]
    yield project


@pytest.mark.parametrize("file_name", FIXTURE_FILES)
def test_every_raw_row_in_bronze(files_project: BuiltProject, file_name: str) -> None:
    source = str(FIXTURES / file_name)
    bronze_rows = _single_query(
        files_project,
        f"select count(*) from medallion_bronze.taxi_trips_raw "
        f"where source_name = '{source}'",
    )
    assert bronze_rows == len(_raw_rows(FIXTURES / file_name))


@pytest.mark.parametrize("file_name", FIXTURE_FILES)
def test_each_file_accounted_for(files_project: BuiltProject, file_name: str) -> None:
    source = str(FIXTURES / file_name)
    [(bronze, cleaned, rejected)] = files_project.query(
        f"""
        select
            (select count(*) from medallion_bronze.taxi_trips_raw
             where source_name = '{source}'),
            (select count(*) from medallion_silver.taxi_trips_cleaned
             where source_name = '{source}'),
            (select count(*) from medallion_silver.taxi_trips_rejected
             where source_name = '{source}')
        """
    )
    assert cleaned > 0
    assert cleaned + rejected == bronze


@pytest.mark.parametrize("file_name", FIXTURE_FILES)
def test_card_codes_of_each_era(files_project: BuiltProject, file_name: str) -> None:
    rows = _raw_rows(FIXTURES / file_name)
    expected = sum(_payment(row) in CARD_CODES for row in rows)
    card_rows = _single_query(
        files_project,
        f"select count(*) from medallion_silver.int_taxi_trips_validated "
        f"where source_name = '{FIXTURES / file_name}' and is_credit_card",
    )
    assert expected > 0
    assert card_rows == expected


@pytest.mark.parametrize("file_name", FIXTURE_FILES)
def test_no_value_left_unparsed(files_project: BuiltProject, file_name: str) -> None:
    reasons = dict(
        files_project.query(
            f"select reject_reason, count(*) "
            f"from medallion_silver.taxi_trips_rejected "
            f"where source_name = '{FIXTURES / file_name}' group by reject_reason"
        )
    )
    assert "unparseable_value" not in reasons
    assert "missing_timestamp" not in reasons
    assert "missing_location" not in reasons


def test_rows_without_payment_rejected(files_project: BuiltProject) -> None:
    path = FIXTURES / "yellow_tripdata_sample_2019-07.csv"
    expected = sum(row["payment_type"] == "" for row in _raw_rows(path))
    reasons = dict(
        files_project.query(
            f"select reject_reason, count(*) "
            f"from medallion_silver.taxi_trips_rejected "
            f"where source_name = '{path}' and payment_type is null "
            f"group by reject_reason"
        )
    )
    kept = _single_query(
        files_project,
        f"select count(*) from medallion_silver.taxi_trips_cleaned "
        f"where source_name = '{path}' and payment_type is null",
    )
    assert expected == 59
    assert kept == 0
    assert sum(reasons.values()) == expected
    # One of them also has an unknown zone, which is checked first.
    assert reasons == {"missing_payment_type": 58, "unknown_location": 1}


def test_zone_era_trips_reach_features(files_project: BuiltProject) -> None:
    [(zone_trips, with_borough, coordinate_trips)] = files_project.query(
        """
        select
            count(*) filter (where not has_coordinates),
            count(*) filter (where not has_coordinates
                and pickup_borough is not null and pickup_location_id > 0),
            count(*) filter (where has_coordinates
                and pickup_location_id = 0 and pickup_latitude_zone > 40)
        from medallion_ml.taxi_tip_features
        """
    )
    assert zone_trips > 0
    assert with_borough == zone_trips
    assert coordinate_trips > 0


def test_us_dates_parse_to_same_times(files_project: BuiltProject) -> None:
    path = FIXTURES / "derived_2017-02_us_dates.csv"
    [first_raw] = _raw_rows(path)[:1]
    pickup = _single_query(
        files_project,
        f"select strftime(pickup_datetime, '%m/%d/%Y %-I:%M:%S %p') "
        f"from medallion_silver.int_taxi_trips_validated "
        f"where source_name = '{path}' and source_row_number = 1",
    )
    assert first_raw["tpep_pickup_datetime"] == pickup


def test_parquet_input_matches_csv(
    files_project: BuiltProject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("parquet")
    with duckdb.connect() as connection:
        for file_name in FIXTURE_FILES:
            source = FIXTURES / file_name
            target = folder / file_name.replace(".csv", ".parquet")
            connection.execute(
                f"copy (select * from read_csv('{source}', all_varchar = true, "
                f"header = true, delim = ',', quote = '\"', null_padding = true, "
                f"strict_mode = false)) to '{target}' (format parquet)"
            )
    project_dir = copy_project(tmp_path_factory.mktemp("parquet_build") / "project")
    project = BuiltProject(project_dir, project_dir / "taxi_tips.duckdb")
    result = project.dbt("build", *SQL_LAYERS, "--vars", _vars(f"{folder}/*.parquet"))
    assert result.returncode == 0, result.stdout[-5000:]
    query = "select trip_id from medallion_silver.taxi_trips_cleaned order by trip_id"
    assert project.query(query) == files_project.query(query)


@pytest.mark.parametrize(
    ("make_input", "message"),
    [
        (
            lambda folder: f"{folder}/no_such_file_*.csv",
            "matches no file. Give the path of a CSV or parquet file",
        ),
        (
            lambda folder: _write(folder / "empty.csv", ""),
            "is empty (0 bytes)",
        ),
        (
            lambda folder: _write(folder / "other.csv", "city,fare\nRome,12\n"),
            "has no known TLC layout: missing pickup_datetime",
        ),
        (
            lambda folder: _write(
                folder / "no_tips.csv",
                "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,"
                "passenger_count,trip_distance,pickup_longitude,pickup_latitude,"
                "payment_type,fare_amount,total_amount\n"
                "1,2016-01-01 10:00:00,2016-01-01 10:10:00,1,1.5,-73.98,40.75,"
                "1,8.5,9.8\n",
            ),
            "closest layout is 2015 to June 2016 (10 of 19 columns)",
        ),
        (
            lambda folder: _write(folder / "notes.txt", "text"),
            "is neither CSV (.csv, .csv.gz) nor parquet",
        ),
        (
            lambda folder: _write(
                folder / "header_only.csv",
                (FIXTURES / "yellow_tripdata_2015-01.csv").read_text().splitlines()[0],
            ),
            "has a header but no trips",
        ),
        (
            lambda folder: _write(
                folder / "semicolons.csv",
                "VendorID;tpep_pickup_datetime;fare_amount\n1;2016-01-01;5\n",
            ),
            "is not comma separated",
        ),
    ],
    ids=[
        "no_match",
        "empty_file",
        "unknown_layout",
        "missing_columns",
        "not_csv",
        "header_only",
        "semicolons",
    ],
)
def test_bad_file_stops_before_bronze(
    files_project: BuiltProject, tmp_path: Path, make_input, message: str
) -> None:
    path = make_input(tmp_path)
    count_sql = "select count(*) from medallion_bronze.taxi_trips_raw"
    before = _single_query(files_project, count_sql)
    result = files_project.dbt(
        "run", "--select", "taxi_trips_raw", "--vars", _vars(path)
    )
    assert result.returncode == 1
    assert message in result.stdout
    assert "Traceback" not in result.stdout
    assert _single_query(files_project, count_sql) == before


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ("{test_split_percent: 150}", "Invalid var test_split_percent: 150."),
        ("{raw_trips_path: 5}", "Invalid var raw_trips_path: 5."),
        (
            "{min_trip_duration_min: 10, max_trip_duration_min: 5}",
            "Invalid var min_trip_duration_min: 10.",
        ),
        ("{nyc_area: {min_longitude: 1}}", "Invalid var nyc_area:"),
        ("{max_avg_speed_mph: .inf}", "Invalid var max_avg_speed_mph: Infinity."),
        ("{ml_settings: [1, 2]}", "Invalid var ml_settings: [1, 2]."),
    ],
)
def test_invalid_var_stops_run(
    files_project: BuiltProject, variables: str, message: str
) -> None:
    result = files_project.dbt("run", "--select", "taxi_trips_raw", "--vars", variables)
    assert result.returncode != 0
    assert message in result.stdout


def test_no_card_trips_keeps_features(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    folder = tmp_path_factory.mktemp("cash")
    source = FIXTURES / "yellow_tripdata_2012-06.csv"
    cash_only = folder / "cash_only.csv"
    with source.open(newline="") as handle:
        lines = handle.read().splitlines()
    kept = [line for line in lines[1:] if line and ",CSH," in line]
    cash_only.write_text("\n".join([lines[0], *kept]) + "\n")
    shutil.copy(source, folder / "with_cards.csv")

    project_dir = copy_project(tmp_path_factory.mktemp("cash_build") / "project")
    project = BuiltProject(project_dir, project_dir / "taxi_tips.duckdb")
    first = project.dbt("build", *SQL_LAYERS, "--vars", _vars(str(folder / "with_*")))
    assert first.returncode == 0, first.stdout[-3000:]
    count_sql = "select count(*) from medallion_ml.taxi_tip_features"
    before = _single_query(project, count_sql)

    result = project.dbt("run", *SQL_LAYERS, "--vars", _vars(str(cash_only)))
    assert result.returncode == 1
    assert "trips and none paid by credit card" in result.stdout
    assert before > 0
    assert _single_query(project, count_sql) == before


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)
