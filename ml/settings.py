"""Pipeline settings with their defaults and validation.

dbt passes settings as a plain mapping built from model config and vars.
:meth:`PipelineSettings.from_mapping` turns that mapping into a validated,
immutable :class:`PipelineSettings`, so every entry point reads its defaults
from this module.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

logger = logging.getLogger(__name__)

DEFAULT_FEATURE_COLUMNS: tuple[str, ...] = (
    "pickup_hour",
    "pickup_day_of_week",
    "period_of_day",
    "is_weekend",
    "is_rush_hour",
    "has_coordinates",
    "pickup_latitude_zone",
    "pickup_longitude_zone",
    "dropoff_latitude_zone",
    "dropoff_longitude_zone",
    "pickup_location_id",
    "dropoff_location_id",
    "trip_distance",
    "log_trip_distance",
    "trip_duration_min",
    "log_trip_duration",
    "distance_duration_ratio",
    "fare_amount",
    "passenger_count",
    "extra",
    "mta_tax",
    "tolls_amount",
    "improvement_surcharge",
)

# Estimators that the grid search can tune, by class name. The histogram-based
# one bins every feature into at most 255 values and fits in time linear in the
# rows, so it scales to millions of trips. GradientBoostingRegressor sorts
# feature values at every split and takes minutes per fit past 1M rows.
TUNABLE_ESTIMATORS: tuple[str, ...] = (
    "HistGradientBoostingRegressor",
    "GradientBoostingRegressor",
)

# The product's reference grid over GradientBoostingRegressor: 8 combinations.
# HistGradientBoostingRegressor with absolute-error loss is the faster choice
# on millions of trips; select it with tuning_estimator and a grid of its own
# parameters.
DEFAULT_PARAM_GRID: dict[str, tuple[Any, ...]] = {
    "n_estimators": (50, 100),
    "max_depth": (4, 6),
    "learning_rate": (0.05, 0.1),
    "subsample": (0.8,),
}

# Row counts of the seeded fit samples of the baseline and the grid search. Both
# only rank candidates on the validation slice; the selected candidate is refit
# on every train row. Trips beyond a few hundred thousand change the ranking
# little, while random forest and exact gradient boosting fit time grows faster
# than linearly with the rows.
DEFAULT_BASELINE_SAMPLE_ROWS = 200_000
DEFAULT_TUNING_SAMPLE_ROWS = 500_000

# total_amount already contains the tip, so using it as a feature leaks the target.
FORBIDDEN_FEATURE_COLUMNS: frozenset[str] = frozenset({"total_amount"})


def _default_param_grid() -> dict[str, tuple[Any, ...]]:
    return dict(DEFAULT_PARAM_GRID)


@dataclass(frozen=True)
class PipelineSettings:
    """Settings shared by training, tuning, registry and scoring.

    Parameters
    ----------
    tracking_uri : str or None, default=None
        MLflow tracking URI. None uses the ``MLFLOW_TRACKING_URI`` environment
        variable when it is set, else a SQLite file
        ``<project_dir>/mlruns/mlflow.db``.
    registry_uri : str or None, default=None
        MLflow Model Registry URI, for example ``databricks-uc`` for Unity
        Catalog. None keeps MLflow's default registry URI.
    artifact_location : str or None, default=None
        Artifact root given to MLflow when the experiment is created. None uses
        ``<project_dir>/mlruns/artifacts`` as a ``file://`` URI, or lets the
        server choose when the tracking URI is a Databricks workspace. An
        existing experiment keeps the location it was created with.
    project_dir : str, default=current working directory
        Folder that contains the default ``mlruns`` folder.
    experiment_name : str, default="taxi_tip_prediction"
        MLflow experiment that receives every run.
    registered_model_name : str, default="taxi_tip_regressor"
        Name of the model in the MLflow Model Registry. Unity Catalog needs
        the three-level name ``<catalog>.<schema>.<model>``.
    use_registry : bool, default=True
        Whether :func:`ml.registry.select_and_register` registers the selected
        model and manages the champion alias.
    champion_alias : str, default="champion"
        Registry alias that marks the model version used for scoring.
    random_seed : int, default=42
        Seed passed as ``random_state`` to every estimator and sampler.
    feature_columns : tuple of str, default=DEFAULT_FEATURE_COLUMNS
        Input columns of the model, in order.
    target_column : str, default="tip_amount"
        Column to predict, in dollars.
    validation_fraction : float, default=0.2
        Share of training rows held out for model selection, in (0, 1). Rows are
        chosen from a hash of ``trip_id``, so the same rows are held out on
        every run.
    tuning_estimator : str, default="GradientBoostingRegressor"
        scikit-learn class tuned by :func:`ml.tuning.run_grid_search`, one of
        :data:`TUNABLE_ESTIMATORS`.
    param_grid : dict, default=DEFAULT_PARAM_GRID
        Grid of ``tuning_estimator`` parameters for
        :func:`ml.tuning.run_grid_search`. Each key maps to a non-empty list of
        values.
    tuning_sample_rows : int or None, default=500_000
        Number of fit rows (outside the validation slice) that each grid
        combination is fit on, a seeded sample when there are more. None uses
        all fit rows.
    baseline_sample_rows : int or None, default=200_000
        Number of fit rows that each baseline candidate is fit on, a seeded
        sample when there are more. None uses all fit rows. The validation and
        test metrics always use every validation and test row.
    scoring_batch_rows : int, default=100_000
        Number of rows predicted at once by :func:`ml.scoring.score_trips`.
    baseline_estimators : dict, default={}
        Parameter overrides per baseline candidate name, for example
        ``{"random_forest": {"n_estimators": 20}}``.
    log_model_figures : bool, default=True
        Whether each run logs predicted-versus-actual and residual figures.
    """

    tracking_uri: str | None = None
    registry_uri: str | None = None
    artifact_location: str | None = None
    project_dir: str = field(default_factory=os.getcwd)
    experiment_name: str = "taxi_tip_prediction"
    registered_model_name: str = "taxi_tip_regressor"
    use_registry: bool = True
    champion_alias: str = "champion"
    random_seed: int = 42
    feature_columns: tuple[str, ...] = DEFAULT_FEATURE_COLUMNS
    target_column: str = "tip_amount"
    validation_fraction: float = 0.2
    tuning_estimator: str = "GradientBoostingRegressor"
    param_grid: dict[str, tuple[Any, ...]] = field(default_factory=_default_param_grid)
    tuning_sample_rows: int | None = DEFAULT_TUNING_SAMPLE_ROWS
    baseline_sample_rows: int | None = DEFAULT_BASELINE_SAMPLE_ROWS
    scoring_batch_rows: int = 100_000
    baseline_estimators: dict[str, dict[str, Any]] = field(default_factory=dict)
    log_model_figures: bool = True

    def __post_init__(self) -> None:
        # dbt vars arrive as lists and plain dicts, so normalise them to the
        # immutable forms the rest of the package expects.
        object.__setattr__(self, "feature_columns", tuple(self.feature_columns))
        self._validate_scalars()
        self._validate_registry_name()
        self._validate_columns()
        if self.tuning_estimator not in TUNABLE_ESTIMATORS:
            _raise_invalid(
                "tuning_estimator",
                self.tuning_estimator,
                f"one of {list(TUNABLE_ESTIMATORS)}",
            )
        object.__setattr__(
            self,
            "param_grid",
            _validate_param_grid(self.param_grid, self.tuning_estimator),
        )
        object.__setattr__(
            self,
            "baseline_estimators",
            _validate_baseline_estimators(self.baseline_estimators),
        )

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None) -> PipelineSettings:
        """Build settings from a mapping, filling defaults for missing keys.

        Parameters
        ----------
        mapping : Mapping or None
            Setting names and values, for example from dbt config or vars.
            None or an empty mapping gives the defaults.

        Returns
        -------
        PipelineSettings

        Raises
        ------
        ValueError
            If a key is not a setting name or a value is invalid.
        TypeError
            If ``mapping`` is not a mapping.
        """
        if mapping is None:
            return cls()
        if not isinstance(mapping, Mapping):
            raise TypeError(
                f"settings must be a mapping of setting names to values or None, "
                f"got {type(mapping).__name__}."
            )
        allowed = {item.name for item in dataclasses.fields(cls)}
        unknown = sorted(set(mapping) - allowed)
        if unknown:
            raise ValueError(
                f"Unknown setting(s) {unknown}. Allowed settings are "
                f"{sorted(allowed)}; check the spelling in the dbt config or vars."
            )
        return cls(**dict(mapping))

    def resolved_tracking_uri(self) -> str:
        """Return the tracking URI to use, applying the documented fallbacks."""
        if self.tracking_uri:
            return self.tracking_uri
        from_environment = os.environ.get("MLFLOW_TRACKING_URI")
        if from_environment:
            return from_environment
        database = Path(self.project_dir, "mlruns", "mlflow.db").resolve()
        # Three slashes and an absolute POSIX path give SQLAlchemy an absolute path.
        return f"sqlite:///{database.as_posix()}"

    def resolved_artifact_location(self) -> str | None:
        """Return the artifact root for a new experiment as a URI, or None.

        None means the tracking server chooses, as a Databricks workspace does.
        """
        if self.artifact_location:
            return self.artifact_location
        if _is_databricks_uri(self.resolved_tracking_uri()):
            return None
        return Path(self.project_dir, "mlruns", "artifacts").resolve().as_uri()

    def _validate_scalars(self) -> None:
        for name in ("tracking_uri", "registry_uri", "artifact_location"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                _raise_invalid(name, value, "a string or None")
        for name in (
            "project_dir",
            "experiment_name",
            "registered_model_name",
            "champion_alias",
            "target_column",
        ):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                _raise_invalid(name, value, "a non-empty string")
        for name in ("use_registry", "log_model_figures"):
            value = getattr(self, name)
            if not isinstance(value, bool):
                _raise_invalid(name, value, "true or false")
        if not _is_int(self.random_seed) or self.random_seed < 0:
            _raise_invalid("random_seed", self.random_seed, "an integer >= 0")
        if not _is_int(self.scoring_batch_rows) or self.scoring_batch_rows < 1:
            _raise_invalid(
                "scoring_batch_rows", self.scoring_batch_rows, "an integer >= 1"
            )
        for name in ("tuning_sample_rows", "baseline_sample_rows"):
            value = getattr(self, name)
            if value is not None and (not _is_int(value) or value < 2):
                _raise_invalid(name, value, "an integer >= 2 or None")
        fraction = self.validation_fraction
        if not _is_number(fraction) or not 0.0 < fraction < 1.0:
            _raise_invalid(
                "validation_fraction",
                fraction,
                "a number strictly between 0 and 1, for example 0.2",
            )

    def _validate_registry_name(self) -> None:
        if self.registry_uri is None or not self.registry_uri.startswith(
            "databricks-uc"
        ):
            return
        parts = self.registered_model_name.split(".")
        if len(parts) != 3 or not all(parts):
            _raise_invalid(
                "registered_model_name",
                self.registered_model_name,
                f"a three-level Unity Catalog name <catalog>.<schema>.<model> "
                f"because registry_uri is {self.registry_uri!r}",
            )

    def _validate_columns(self) -> None:
        columns = self.feature_columns
        if not columns:
            _raise_invalid("feature_columns", columns, "a non-empty list of names")
        if not all(isinstance(column, str) and column for column in columns):
            _raise_invalid("feature_columns", columns, "a list of non-empty strings")
        duplicates = sorted({column for column in columns if columns.count(column) > 1})
        if duplicates:
            _raise_invalid(
                "feature_columns", columns, f"unique names, but {duplicates} repeat"
            )
        forbidden = sorted(FORBIDDEN_FEATURE_COLUMNS.intersection(columns))
        if forbidden:
            _raise_invalid(
                "feature_columns",
                columns,
                f"no target leak, but {forbidden} include the tip; remove them",
            )
        if self.target_column in columns:
            _raise_invalid(
                "feature_columns",
                columns,
                f"a list without the target column {self.target_column!r}",
            )


def resolve_settings(
    settings: Mapping[str, Any] | PipelineSettings | None,
) -> PipelineSettings:
    """Return ``settings`` as :class:`PipelineSettings`.

    Parameters
    ----------
    settings : Mapping, PipelineSettings or None
        A mapping is validated with :meth:`PipelineSettings.from_mapping`, a
        :class:`PipelineSettings` is returned unchanged and None gives the
        defaults.

    Returns
    -------
    PipelineSettings
    """
    if isinstance(settings, PipelineSettings):
        return settings
    return PipelineSettings.from_mapping(settings)


def _validate_param_grid(grid: Any, estimator_class: str) -> dict[str, tuple[Any, ...]]:
    if not isinstance(grid, Mapping) or not grid:
        _raise_invalid(
            "param_grid", grid, "a non-empty mapping of parameter names to lists"
        )
    from sklearn import ensemble

    allowed = set(getattr(ensemble, estimator_class)().get_params())
    # The seed comes from random_seed so that every stage uses the same one.
    allowed.discard("random_state")
    unknown = sorted(set(grid) - allowed)
    if unknown:
        raise ValueError(
            f"Invalid setting param_grid: {unknown} are not {estimator_class} "
            f"parameters that the grid may set. Allowed keys are {sorted(allowed)}; "
            f"set tuning_estimator to tune another class."
        )
    normalised = {}
    for name, values in grid.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, (list, tuple)):
            raise ValueError(
                f"Invalid setting param_grid[{name!r}]: got {values!r}, expected a "
                f"non-empty list of values such as [50, 100]."
            )
        if not values:
            raise ValueError(
                f"Invalid setting param_grid[{name!r}]: got an empty list, expected "
                f"at least one value."
            )
        normalised[name] = tuple(values)
    return normalised


def _validate_baseline_estimators(overrides: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(overrides, Mapping):
        _raise_invalid(
            "baseline_estimators",
            overrides,
            "a mapping of candidate names to parameter mappings",
        )
    from ml.estimators import CANDIDATE_NAMES, build_candidate

    normalised = {}
    for candidate, params in overrides.items():
        if candidate not in CANDIDATE_NAMES:
            raise ValueError(
                f"Invalid setting baseline_estimators: unknown candidate "
                f"{candidate!r}. Allowed candidates are {list(CANDIDATE_NAMES)}."
            )
        if not isinstance(params, Mapping):
            raise ValueError(
                f"Invalid setting baseline_estimators[{candidate!r}]: got "
                f"{params!r}, expected a mapping of parameter names to values."
            )
        allowed = set(build_candidate(candidate, random_seed=0).get_params())
        unknown = sorted(set(params) - allowed)
        if unknown:
            raise ValueError(
                f"Invalid setting baseline_estimators[{candidate!r}]: {unknown} are "
                f"not parameters of this candidate. Allowed keys are "
                f"{sorted(allowed)}."
            )
        normalised[candidate] = dict(params)
    return normalised


def _is_databricks_uri(uri: str) -> bool:
    return uri == "databricks" or uri.startswith("databricks://")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _raise_invalid(name: str, value: Any, expected: str) -> NoReturn:
    raise ValueError(f"Invalid setting {name}: got {value!r}, expected {expected}.")


def settings_from_dbt_meta(meta: Mapping[str, Any]) -> PipelineSettings:
    """Build the settings of a dbt Python model from its ``meta`` config.

    The models' YAML fills ``meta`` from two vars: ``ml_settings`` and the
    grid in ``ml_param_grid``.

    Parameters
    ----------
    meta : Mapping
        The model's ``meta`` config, with the keys ``ml_settings`` and
        ``param_grid``.

    Returns
    -------
    PipelineSettings

    Raises
    ------
    ValueError
        If ``ml_settings`` also sets ``param_grid``, which ``ml_param_grid``
        would silently replace.
    """
    ml_settings = dict(meta["ml_settings"])
    if "param_grid" in ml_settings:
        raise ValueError(
            "Invalid var ml_settings: it sets param_grid, which the var "
            "ml_param_grid sets. Move the grid to ml_param_grid."
        )
    return PipelineSettings.from_mapping(
        {**ml_settings, "param_grid": meta["param_grid"]}
    )
