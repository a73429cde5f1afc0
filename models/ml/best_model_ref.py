"""The selected model, its registry version and the champion decision."""

from ml.frames import to_pandas
from ml.registry import select_and_register
from ml.settings import settings_from_dbt_meta


def model(dbt, session):
    settings = settings_from_dbt_meta(dbt.config.get("meta"))

    baseline = to_pandas(dbt.ref("taxi_tip_baseline"))
    tuning = to_pandas(dbt.ref("taxi_tip_tuning"))
    # The trip tables stay relations, so that select_and_register fetches
    # only the columns it needs, sorted by the engine.
    train = dbt.ref("taxi_tip_train")
    test = dbt.ref("taxi_tip_test")
    return select_and_register(baseline, tuning, train, test, settings)
