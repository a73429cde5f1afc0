"""Every test trip scored by the champion model."""

from ml.frames import is_spark_frame, to_pandas
from ml.scoring import score_trips, score_trips_spark
from ml.settings import settings_from_dbt_meta


def model(dbt, session):
    settings = settings_from_dbt_meta(dbt.config.get("meta"))

    reference = to_pandas(dbt.ref("best_model_ref")).iloc[0]
    test = dbt.ref("taxi_tip_test")
    # model_uri names the champion's version, models:/<name>/<version>, or
    # the run's model when the registry is off. On Spark the executors score
    # the trips, so the test set is never collected to the driver.
    if is_spark_frame(test):
        return score_trips_spark(test, reference["model_uri"], settings)
    return score_trips(test, reference["model_uri"], settings)
