"""The project spec: one YAML file describes a model project, validated by pydantic.

A new project is a new YAML file in the specs folder, not new code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Task = Literal["binary", "multiclass", "regression"]
ModelFamily = Literal["random_forest", "gradient_boosting", "logistic_regression", "ridge", "torch_mlp", "baseline"]
MODEL_FAMILIES: tuple[str, ...] = get_args(ModelFamily)
CLASSIFICATION_METRICS = {"roc_auc", "pr_auc", "f1", "accuracy", "log_loss", "balanced_accuracy"}
REGRESSION_METRICS = {"rmse", "mae", "r2"}
LOWER_IS_BETTER = {"log_loss", "rmse", "mae"}


class SpecError(ValueError):
    """A spec file that cannot be used; the message names the file, the field and what was expected."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where the data comes from: a local or s3:// CSV/Parquet file, or a SQL query."""

    uri: str | None = Field(None, description="Path, or s3://bucket/key, of a .csv or .parquet file.")
    sql_url: str | None = Field(None, description="SQLAlchemy URL of the database to query.")
    query: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Source:
        if bool(self.uri) == bool(self.sql_url and self.query):
            raise ValueError("give either 'uri', or both 'sql_url' and 'query'")
        return self


class Column(_Strict):
    """One column of the input schema, with the expectations the data must meet."""

    dtype: Literal["float", "int", "str", "bool"]
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    allowed: list[str | int | bool] | None = None


class Features(_Strict):
    numeric: list[str] = []
    categorical: list[str] = []
    monotonic: dict[str, Literal["increasing", "decreasing"]] = Field(
        default_factory=dict, description="Features whose effect on the prediction has a known direction."
    )

    @property
    def all(self) -> list[str]:
        return [*self.numeric, *self.categorical]


class Split(_Strict):
    test_size: Annotated[float, Field(gt=0, lt=0.5)] = 0.2
    valid_size: Annotated[float, Field(gt=0, lt=0.5)] = 0.1
    seed: int = 42


class Model(_Strict):
    family: ModelFamily
    params: dict[str, Any] = Field(default_factory=dict)


class Metrics(_Strict):
    primary: str
    secondary: list[str] = []


class Promotion(_Strict):
    """The offline gate: absolute floor, required gain over the champion, allowed secondary regression."""

    primary_floor: float | None = Field(
        None, description="Worst acceptable primary metric (a minimum, or a maximum for rmse, mae, log_loss)."
    )
    min_improvement: float = 0.0
    max_secondary_regression: float = 0.02


class Serving(_Strict):
    max_batch_size: Annotated[int, Field(ge=1)] = 64
    max_latency_ms: Annotated[int, Field(ge=1)] = 50
    max_records_per_request: Annotated[int, Field(ge=1)] = 1000
    cache_ttl_s: Annotated[int, Field(ge=0)] = 300
    timeout_ms: Annotated[int, Field(ge=1)] = 500
    shadow_sample_rate: Annotated[float, Field(ge=0, le=1)] = 1.0
    fallback: Literal["previous", "baseline", "none"] = "previous"


class Rollout(_Strict):
    """How the challenger meets live traffic: mirrored (shadow), or answering a share of it (canary, ab)."""

    mode: Literal["shadow", "canary", "ab"] = "shadow"
    fraction: Annotated[float, Field(ge=0, le=1)] = Field(
        0.1, description="Share of requests the challenger answers in canary and ab modes."
    )
    entity_key: str | None = Field(
        None, description="Record field that keeps an entity on one arm (an X-Entity-ID header wins)."
    )
    shadow_max_in_flight: Annotated[int, Field(ge=1)] = Field(
        32, description="Shadow requests in flight at most; more are dropped and counted."
    )
    shadow_timeout_ms: Annotated[int, Field(ge=1)] = 1000
    shadow_batch_window_ms: Annotated[int, Field(ge=0)] = Field(
        100,
        description="The shadow gathers mirrored requests this long into one model call, so mirroring costs a "
        "fraction of the CPU; its logged latency is the model time of its batch, without this wait.",
    )

    @model_validator(mode="after")
    def _window_inside_timeout(self) -> Rollout:
        if self.shadow_batch_window_ms >= self.shadow_timeout_ms:
            raise ValueError("shadow_batch_window_ms must be shorter than shadow_timeout_ms")
        return self


class ShadowReview(_Strict):
    """When the live evidence promotes, rejects, or says wait."""

    window_hours: Annotated[float, Field(gt=0)] = 24.0
    min_requests: Annotated[int, Field(ge=1)] = 200
    min_feedback: Annotated[int, Field(ge=0)] = 50
    max_metric_regression: Annotated[float, Field(ge=0)] = Field(
        0.0, description="How much worse the challenger's live primary metric may be than the champion's."
    )
    max_p99_ratio: Annotated[float, Field(gt=0)] = Field(1.5, description="Challenger p99 / champion p99, at most.")
    max_error_rate: Annotated[float, Field(ge=0, le=1)] = Field(0.01, description="Errors and timeouts, at most.")
    auto_promote: bool = Field(True, description="False: the review reports and tags, a person promotes.")


class Guard(_Strict):
    """The watch after a promotion: a regression inside the window rolls the champion back."""

    window_hours: Annotated[float, Field(gt=0)] = 24.0
    min_requests: Annotated[int, Field(ge=1)] = 100
    min_feedback: Annotated[int, Field(ge=0)] = 30
    max_metric_regression: Annotated[float, Field(ge=0)] = Field(
        0.05, description="How much worse the new champion's live metric may be than its shadow-review figure."
    )
    max_p99_ratio: Annotated[float, Field(gt=0)] = 2.0
    max_error_rate: Annotated[float, Field(ge=0, le=1)] = 0.02


class Cascade(_Strict):
    """Tiered models: the `fast` alias answers when confident, the champion (heavy tier) otherwise."""

    enabled: bool = False
    fast_alias: str = "fast"
    min_confidence: Annotated[float, Field(ge=0, le=1)] = Field(
        0.9, description="Top class probability at which the fast tier's answer stands."
    )
    heavy_budget_per_hour: Annotated[int, Field(ge=0)] = Field(
        10_000, description="Heavy-tier records per API key per hour; past it the fast tier answers (marked)."
    )


class Drift(_Strict):
    psi_threshold: float = 0.2
    min_window_rows: int = 200


class ProjectSpec(_Strict):
    """A model project: data, schema, task, features, model, metrics and policies."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{1,62}$")]
    description: str = ""
    source: Source
    target: str
    task: Task
    schema_: dict[str, Column] = Field(alias="schema")
    min_rows: Annotated[int, Field(ge=1)] = 1
    features: Features
    split: Split = Split()
    model: Model
    metrics: Metrics
    promotion: Promotion = Promotion()
    serving: Serving = Serving()
    drift: Drift = Drift()
    rollout: Rollout = Rollout()
    shadow_review: ShadowReview = ShadowReview()
    guard: Guard = Guard()
    cascade: Cascade = Cascade()
    schedule: str | None = Field(None, description="Cron or preset (@daily) for scheduled retraining.")

    @model_validator(mode="after")
    def _consistent(self) -> ProjectSpec:
        columns = set(self.schema_)
        missing = [c for c in [*self.features.all, self.target] if c not in columns]
        if missing:
            raise ValueError(f"columns {missing} are used but not declared in 'schema'")
        unknown_mono = set(self.features.monotonic) - set(self.features.numeric)
        if unknown_mono:
            raise ValueError(f"monotonic features {sorted(unknown_mono)} must be numeric features")
        if not self.features.all:
            raise ValueError("'features' declares no feature")
        allowed = REGRESSION_METRICS if self.task == "regression" else CLASSIFICATION_METRICS
        for metric in [self.metrics.primary, *self.metrics.secondary]:
            if metric not in allowed:
                raise ValueError(
                    f"metric {metric!r} does not fit task {self.task!r}; expected one of {sorted(allowed)}"
                )
        if self.task == "regression" and self.model.family == "logistic_regression":
            raise ValueError("model family 'logistic_regression' cannot do regression")
        if self.task != "regression" and self.model.family == "ridge":
            raise ValueError("model family 'ridge' is for regression")
        return self

    @property
    def is_classifier(self) -> bool:
        return self.task != "regression"

    def with_overrides(self, overrides: dict[str, Any]) -> ProjectSpec:
        """A copy with dotted-path overrides applied, e.g. {"model.params.max_depth": 8}."""
        data = self.model_dump(by_alias=True)
        for dotted, value in overrides.items():
            node = data
            *parents, leaf = dotted.split(".")
            for key in parents:
                node = node.setdefault(key, {})
            node[leaf] = value
        return _validate(data, origin="overrides")


def _format_errors(origin: str, error: ValidationError) -> str:
    lines = [f"{origin}: invalid project spec"]
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "(top level)"
        lines.append(f"  - field '{field}': {item['msg']}")
    return "\n".join(lines)


def _validate(data: Any, origin: str) -> ProjectSpec:
    try:
        return ProjectSpec.model_validate(data)
    except ValidationError as error:
        raise SpecError(_format_errors(origin, error)) from None


def load_spec(path: str | Path) -> ProjectSpec:
    """Read and validate a spec file; a bad one raises SpecError naming the file and each bad field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise SpecError(f"{path}: cannot read YAML: {error}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    return _validate(data, origin=str(path))


def spec_files(folder: str | Path) -> dict[Path, ProjectSpec]:
    """Every spec file in a folder with its validated spec (one DAG per project is built from these)."""
    return {path: load_spec(path) for path in sorted(Path(folder).glob("*.y*ml"))}


def discover_specs(folder: str | Path) -> list[ProjectSpec]:
    """Every valid spec in a folder."""
    return list(spec_files(folder).values())
