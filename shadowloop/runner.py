"""Runs the steps of the loop in order for one spec in one process (the CLI's `run`)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.evaluate import improvement
from pipelines.train import TrainResult
from pipelines.types import Evaluation, Snapshot, ValidationReport
from shadowloop.settings import Settings
from shadowloop.spec import ProjectSpec

if TYPE_CHECKING:
    from model_registry.publish import Publication

StepListener = Callable[[str, str], None]  # (step, "start" | "done")


@dataclass(frozen=True)
class Trained:
    """What exists once training is done, before evaluation: enough to start tracking the run."""

    spec: ProjectSpec
    snapshot: Snapshot
    validation: ValidationReport
    split_sizes: dict[str, int]
    train: TrainResult
    model_dir: Path
    model_sha256: str


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
    def trained(self) -> Trained:
        """The part of the summary known before evaluation (`model_registry.tracking.begin_tracking` takes it)."""
        return Trained(
            self.spec, self.snapshot, self.validation, self.split_sizes, self.train, self.model_dir, self.model_sha256
        )

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
    after_train: Callable[[str], None] | None = None,
) -> RunSummary:
    """ingest -> validate -> features/split -> train -> evaluate, the same steps an Airflow DAG runs one per task.

    `after_train(run_uri)` is called once the model is trained, before evaluation (tracking overlaps with it).
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
        if name == "train" and after_train:
            after_train(run_uri)
    return steps.load_summary(run_uri, settings)


def load_trained(run_uri: str, settings: Settings) -> Trained:
    """The trained, not yet evaluated, model of a run folder, with a local copy of its bundle."""
    from shadowloop import steps

    return steps.read_trained(run_uri, settings)


def run_and_register(
    spec: ProjectSpec,
    settings: Settings,
    device: str = "auto",
    on_step: StepListener | None = None,
    register: bool | None = None,
    airflow: dict[str, Any] | None = None,
) -> tuple[RunSummary, Publication | None]:
    """`run_project`, then track, gate and register the run in MLflow.

    Args:
        register: True to require the tracking server (TrackingServerUnavailable if it is down), False to skip
            MLflow, None to register only when the server answers.
        airflow: dag_id, run_id and try_number when run by an Airflow task (lineage tags and run identity).

    Returns:
        The run summary and the publication (None when nothing was registered).
    """
    from model_registry.connection import is_reachable, require_server

    if register is None:
        register = is_reachable(settings.mlflow_tracking_uri)
    elif register:
        require_server(settings)  # fail before training, not after
    if not register:
        return run_project(spec, settings, device=device, on_step=on_step), None
    from concurrent.futures import Future, ThreadPoolExecutor

    from model_registry.publish import publish_run
    from model_registry.tracking import TrackedRun, abandon_tracking, begin_tracking, finish_tracking

    # The model is logged on a second thread while the main one evaluates: tracking waits on the server most
    # of the time, so it costs the run little wall time.
    begun: list[Future[TrackedRun]] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracking") as pool:

        def begin(run_uri: str) -> TrackedRun:
            trained = load_trained(run_uri, settings)
            try:
                return begin_tracking(trained, settings, airflow)
            finally:
                shutil.rmtree(trained.model_dir, ignore_errors=True)  # a staging copy; the run folder keeps its own

        def start_tracking(run_uri: str) -> None:
            begun.append(pool.submit(begin, run_uri))

        try:
            summary = run_project(spec, settings, device=device, on_step=on_step, after_train=start_tracking)
        except BaseException:
            if begun and begun[0].exception() is None:
                abandon_tracking(begun[0].result(), settings)
            raise
    if on_step:
        on_step("register", "start")
    started = time.perf_counter()
    tracked = finish_tracking(begun[0].result(), summary, settings)
    publication = publish_run(summary, settings, airflow=airflow, tracked=tracked)
    summary.seconds["register"] = time.perf_counter() - started
    if on_step:
        on_step("register", "done")
    return summary, publication
