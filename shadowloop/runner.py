"""Runs the steps of the loop in order for one spec, outside any orchestrator (the CLI's `run`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.evaluate import evaluate_model, improvement
from pipelines.features import DatasetSplit, split_dataset
from pipelines.ingest import ingest, load_snapshot
from pipelines.train import TrainResult, train_model
from pipelines.types import Evaluation, Snapshot, ValidationReport
from pipelines.validate import validate_snapshot
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
    spec: ProjectSpec, settings: Settings, device: str = "auto", on_step: StepListener | None = None
) -> RunSummary:
    """ingest -> validate -> features/split -> train -> evaluate, saving the model bundle under the state folder.

    Raises DataValidationError (after quarantining the batch) before anything is trained on bad data.
    """
    seconds: dict[str, float] = {}

    @contextmanager
    def step(name: str) -> Iterator[None]:
        if on_step:
            on_step(name, "start")
        started = time.perf_counter()
        yield
        seconds[name] = time.perf_counter() - started
        if on_step:
            on_step(name, "done")

    with step("ingest"):
        snapshot = ingest(spec, settings.lake_uri)
    with step("validate"):
        validation = validate_snapshot(snapshot, spec, settings.lake_uri)
    with step("features"):
        split: DatasetSplit = split_dataset(load_snapshot(snapshot), spec)
    with step("train"):
        trained = train_model(split, spec, device=device)
        baseline = train_model(split, spec.with_overrides({"model.family": "baseline", "model.params": {}}))
    run_dir = settings.home.resolve() / "runs" / spec.name / f"{time.strftime('%Y%m%dT%H%M%S')}-{snapshot.sha256[:8]}"
    with step("evaluate"):
        evaluation = evaluate_model(trained.model, baseline.model, split, spec, run_dir / "evaluation")
    model_sha256 = trained.model.save(run_dir / "model")
    return RunSummary(
        spec=spec,
        snapshot=snapshot,
        validation=validation,
        split_sizes=split.sizes(),
        train=trained,
        evaluation=evaluation,
        model_dir=run_dir / "model",
        model_sha256=model_sha256,
        seconds=seconds,
    )
