"""Runs the steps of the loop in order for one spec in one process (the CLI's `run`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.evaluate import improvement
from pipelines.train import TrainResult
from pipelines.types import Evaluation, Snapshot, ValidationReport
from shadowloop.settings import Settings
from shadowloop.spec import ProjectSpec

StepListener = Callable[[str, str], None]  # (step, "start" | "done")


@dataclass
class RunSummary:
    spec: ProjectSpec
    snapshot: Snapshot
    validation: ValidationReport
    split_sizes: dict[str, int]
    train: TrainResult
    evaluation: Evaluation
    model_dir: Path
    model_sha256: str
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def primary_gain(self) -> float:
        metric = self.spec.metrics.primary
        return improvement(metric, self.evaluation.metrics[metric], self.evaluation.baseline_metrics[metric])


def run_project(
    spec: ProjectSpec,
    settings: Settings,
    device: str = "auto",
    on_step: StepListener | None = None,
    run_id: str | None = None,
) -> RunSummary:
    """ingest -> validate -> features/split -> train -> evaluate, the same steps an Airflow DAG runs one per task.

    Raises DataValidationError (after quarantining the batch) before anything is trained on bad data.
    """
    from shadowloop import steps

    run_uri = steps.start_run(
        spec, steps.run_uri_for(spec.name, run_id or f"cli-{time.strftime('%Y%m%dT%H%M%S')}", settings)
    )
    plan: list[tuple[str, Callable[[], object]]] = [
        ("ingest", lambda: steps.ingest_step(run_uri, settings=settings)),
        ("validate", lambda: steps.validate_step(run_uri, settings=settings)),
        ("features", lambda: steps.features_step(run_uri)),
        ("train", lambda: steps.train_step(run_uri, device=device, settings=settings)),
        ("evaluate", lambda: steps.evaluate_step(run_uri, settings=settings)),
    ]
    for name, call in plan:
        if on_step:
            on_step(name, "start")
        call()
        if on_step:
            on_step(name, "done")
    return steps.load_summary(run_uri, settings)
