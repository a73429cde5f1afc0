"""Baseline candidates: each fit on the train rows and logged as an MLflow run."""

from ml.baseline import run_baseline
from ml.settings import settings_from_dbt_meta


def model(dbt, session):
    settings = settings_from_dbt_meta(dbt.config.get("meta"))

    # run_baseline fetches only the columns it needs from the relations.
    return run_baseline(dbt.ref("taxi_tip_train"), dbt.ref("taxi_tip_test"), settings)
