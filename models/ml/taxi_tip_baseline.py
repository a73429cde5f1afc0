"""Baseline candidates: each fit on the train rows and logged as an MLflow run."""

from ml.baseline import run_baseline
from ml.frames import to_pandas


def model(dbt, session):
    meta = dbt.config.get("meta")
    settings = {**meta["ml_settings"], "param_grid": meta["param_grid"]}

    train = to_pandas(dbt.ref("taxi_tip_train"))
    test = to_pandas(dbt.ref("taxi_tip_test"))
    return run_baseline(train, test, settings)
