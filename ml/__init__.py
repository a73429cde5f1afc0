"""Training, tuning, model registry and scoring code for the NYC taxi tip project.

The dbt Python models import the submodules they need (for example
``ml.baseline`` or ``ml.scoring``). This package module imports none of them,
so ``import ml`` stays fast and does not load MLflow or scikit-learn.
"""

__version__ = "0.1.0"
