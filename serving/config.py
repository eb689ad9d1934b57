"""The endpoint's own arguments (which project, which model source), given to `bentoml serve --arg-file`.

URLs, secrets and limits that are not per project come from `shadowloop.settings`; per-project serving
options (batching, cache TTL, timeout, fallback) come from the spec.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ServingArgs(BaseModel):
    """Bento arguments of `ChampionService`."""

    model_config = ConfigDict(extra="forbid")

    spec: Path = Field(Path("specs/fraud.yaml"), description="Project spec YAML.")
    source: Literal["mlflow", "local"] = Field("mlflow", description="Where aliases are resolved.")
    pointer: Path | None = Field(None, description="Alias pointer file of the local source.")
    max_in_flight: int = Field(64, ge=1, description="Concurrent predict calls; more are answered 429.")
    cache_entries: int = Field(100_000, ge=0, description="Entries of the in-process LRU cache.")
    log_enabled: bool = Field(True, description="Write the prediction log.")
    batching: bool = Field(True, description="Adaptive batching on (benchmarks turn it off to compare).")
    model_threads: int = Field(1, ge=1, description="OpenMP/BLAS threads of the model (1 leaves CPU to the server).")
    access_log: bool = Field(False, description="BentoML's per-request access log (costly at high rates).")
    shadow_fault_file: Path | None = Field(
        None, description="Testing only: a file saying raise, hang or slow makes the shadow challenger misbehave."
    )
    noop_model: bool = Field(False, description="Answer with a constant model (framework-tax benchmark only).")


def load_args() -> ServingArgs:
    """The arguments given to `bentoml serve` (defaults when run without any)."""
    import bentoml

    return bentoml.use_arguments(ServingArgs)
