"""The selected model, its registry version and the champion decision."""

from ml.frames import to_pandas
from ml.registry import select_and_register


def model(dbt, session):
    meta = dbt.config.get("meta")
    settings = {**meta["ml_settings"], "param_grid": meta["param_grid"]}

    baseline = to_pandas(dbt.ref("taxi_tip_baseline"))
    tuning = to_pandas(dbt.ref("taxi_tip_tuning"))
    # The trip tables stay relations, so that select_and_register fetches
    # only the columns it needs, sorted by the engine.
    train = dbt.ref("taxi_tip_train")
    test = dbt.ref("taxi_tip_test")
    return select_and_register(baseline, tuning, train, test, settings)
