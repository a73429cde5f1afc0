"""Training, tuning, model registry and scoring code for the NYC taxi tip project.

The dbt Python models import the submodules they need (for example
``ml.baseline`` or ``ml.scoring``). This package module imports none of them,
so ``import ml`` stays fast and does not load MLflow or scikit-learn.
"""

import os

# scikit-learn's HistGradientBoosting fits and predicts with OpenMP threads.
# By default they spin while they wait, which on a machine whose cores are
# busy with other work made a fit of 14,700 trips take 24-37 s instead of
# 5 s (bench/run_bench.py, 2 shared cores). OpenMP reads this variable when
# it is loaded, so it is set here, before any submodule imports scikit-learn.
# A value set by the user wins.
# NOTE: the gain was measured only under load; on idle cores passive waiting
# may cost a little per parallel region.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
