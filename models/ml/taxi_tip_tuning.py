"""Grid search over the tuned estimator's parameters as nested MLflow runs."""

from ml.settings import settings_from_dbt_meta
from ml.tuning import run_grid_search


def model(dbt, session):
    settings = settings_from_dbt_meta(dbt.config.get("meta"))

    # The baseline is not read here. Referencing it makes dbt run the search
    # after the baseline, because two models writing runs at once would
    # contend for the single-writer SQLite tracking store.
    dbt.ref("taxi_tip_baseline")
    return run_grid_search(dbt.ref("taxi_tip_train"), settings)
