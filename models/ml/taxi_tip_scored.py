"""Every test trip scored by the champion model."""

from ml.frames import to_pandas
from ml.scoring import score_trips


def model(dbt, session):
    meta = dbt.config.get("meta")
    settings = {**meta["ml_settings"], "param_grid": meta["param_grid"]}

    reference = to_pandas(dbt.ref("best_model_ref")).iloc[0]
    test = dbt.ref("taxi_tip_test")
    # model_uri names the champion's version, models:/<name>/<version>, or
    # the run's model when the registry is off.
    return score_trips(test, reference["model_uri"], settings)
