"""Baseline candidates: each fit on the train rows and logged as an MLflow run."""

from ml.baseline import run_baseline


def model(dbt, session):
    meta = dbt.config.get("meta")
    settings = {**meta["ml_settings"], "param_grid": meta["param_grid"]}

    # run_baseline fetches only the columns it needs from the relations.
    return run_baseline(dbt.ref("taxi_tip_train"), dbt.ref("taxi_tip_test"), settings)
