"""One MLflow run per pipeline run: params, metrics and history, the snapshot as input, artifacts, the model.

Two phases, so the slow part can overlap with evaluation: `begin_tracking` once the model is trained (run,
params, dataset input, model), `finish_tracking` once it is evaluated (metrics, reports, run finished).
`track_run` does both in a row. No fluent (global active run) API, so phases may run on another thread.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model_registry.connection import tracking_client
from model_registry.lineage import airflow_tags, lineage_tags
from model_registry.params import spec_fingerprint, spec_params
from shadowloop import storage
from shadowloop.settings import Settings

if TYPE_CHECKING:
    from mlflow import MlflowClient

    from shadowloop.runner import RunSummary, Trained

MODEL_NAME = "model"
BUNDLE_DIR = "bundle"
# Where the bundle sits inside the logged model's artifacts (pyfunc copies `artifacts` there by folder name).
BUNDLE_PATH = f"artifacts/{BUNDLE_DIR}"
RUN_KEY_TAG = "shadowloop.run_key"
MODEL_ID_TAG = "shadowloop.model_id"
_BATCH = 900  # MLflow accepts at most 1000 metrics and 100 params per log_batch call.
_PARAM_BATCH = 100
_INPUT_EXAMPLE_ROWS = 5
_SCHEMA_SAMPLE_ROWS = 200


@dataclass(frozen=True)
class TrackedRun:
    """The MLflow run of a pipeline run and the model logged in it."""

    run_id: str
    experiment_id: str
    model_uri: str
    model_id: str
    manifest_sha256: str
    run_key: str
    reused: bool = False


def run_key(trained: Trained, airflow: dict[str, Any] | None = None) -> str:
    """Identity of a pipeline run: spec + snapshot + (Airflow run, or the trained bundle's digest).

    An Airflow retry keeps its dag run, hence its key, so it lands in the same MLflow run; a CLI re-run on the
    same data and spec that produces the same bundle is recognised too.
    """
    parts = [trained.spec.name, spec_fingerprint(trained.spec), trained.snapshot.sha256]
    tags = airflow_tags(airflow)
    parts += [tags["airflow.dag_id"], tags["airflow.run_id"]] if "airflow.run_id" in tags else [trained.model_sha256]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def pip_requirements(family: str) -> list[str]:
    """Pinned requirements of the logged model, given explicitly: inferring them costs about 10 s per model."""
    packages = ["mlflow", "scikit-learn", "skops", "pandas", "numpy", "pyarrow"]
    if family == "torch_mlp":
        packages.append("torch")
    return [f"{name}=={importlib.metadata.version(name)}" for name in packages]


def ensure_experiment(client: MlflowClient, name: str) -> str:
    """The experiment id for a project, creating it once even when several processes race."""
    from mlflow.exceptions import MlflowException

    existing = client.get_experiment_by_name(name)
    if existing is not None:
        return str(existing.experiment_id)
    try:
        return str(client.create_experiment(name, tags={"shadowloop.project": name}))
    except MlflowException:
        created = client.get_experiment_by_name(name)
        if created is None:
            raise
        return str(created.experiment_id)


def _find_run(client: MlflowClient, experiment_id: str, key: str) -> Any | None:
    runs = client.search_runs([experiment_id], filter_string=f"tags.`{RUN_KEY_TAG}` = '{key}'", max_results=5)
    return runs[0] if runs else None


def _metrics(summary: RunSummary, model_id: str) -> list[Any]:
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    values: dict[str, float] = dict(summary.evaluation.metrics)
    values |= {f"baseline_{k}": v for k, v in summary.evaluation.baseline_metrics.items()}
    values |= {f"check_{k}": float(v) for k, v in summary.evaluation.checks.items()}
    values |= {f"time_{k}_s": v for k, v in summary.seconds.items()}
    values["primary_gain_over_baseline"] = summary.primary_gain
    values["train_seconds"] = summary.train.seconds
    # Linked to the logged model, so the model's page in the UI shows its test metrics too.
    metrics = [Metric(k, float(v), now, 0, model_id=model_id) for k, v in values.items() if math.isfinite(float(v))]
    history = summary.train.history
    for name, series in (("train_loss", history.train_loss), ("valid_loss", history.valid_loss)):
        metrics += [Metric(name, float(v), now, step) for step, v in enumerate(series) if math.isfinite(float(v))]
    return metrics


def _params(trained: Trained) -> list[Any]:
    from mlflow.entities import Param

    values = spec_params(trained.spec)
    values |= {f"data.{k}_rows": str(v) for k, v in trained.split_sizes.items()}
    values["data.snapshot_sha256"] = trained.snapshot.sha256
    values["train.device"] = trained.train.device
    values["model.manifest_sha256"] = trained.model_sha256
    return [Param(k, v) for k, v in values.items()]


def _log_batched(client: MlflowClient, run_id: str, metrics: list[Any], params: list[Any]) -> None:
    """Per-epoch history and params in a few requests instead of one per value."""
    for start in range(0, len(params), _PARAM_BATCH):
        client.log_batch(run_id, params=params[start : start + _PARAM_BATCH])
    for start in range(0, len(metrics), _BATCH):
        client.log_batch(run_id, metrics=metrics[start : start + _BATCH])


def _log_dataset(client: MlflowClient, run_id: str, trained: Trained, frame: Any) -> None:
    from mlflow.data.dataset_source_registry import resolve_dataset_source
    from mlflow.entities import Dataset, DatasetInput, InputTag
    from mlflow.models import infer_signature

    snapshot = trained.snapshot
    # MLflow's pandas dataset infers its schema from every row (about 0.35 s for the demo's 20 000); a sample
    # gives the same column types. The digest column holds 36 characters; the full sha256 goes in a tag.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*integer column", category=UserWarning)
        # Two local-file source classes claim plain paths; MLflow picks one and warns about it.
        warnings.filterwarnings("ignore", message=".*can be interpreted in multiple ways", category=UserWarning)
        schema = infer_signature(frame.head(_SCHEMA_SAMPLE_ROWS)).inputs
        source = resolve_dataset_source(snapshot.uri)
    dataset = Dataset(
        name=f"{snapshot.project}-{snapshot.sha256[:12]}",
        digest=snapshot.sha256[:36],
        source_type=source._get_source_type(),
        source=source.to_json(),
        schema=json.dumps({"mlflow_colspec": schema.to_dict()}),
        profile=json.dumps({"num_rows": snapshot.rows}),
    )
    tags = {"mlflow.data.context": "training", "sha256": snapshot.sha256, "source": snapshot.source[:400]}
    client.log_inputs(run_id, datasets=[DatasetInput(dataset, [InputTag(k, v) for k, v in tags.items()])])


def _log_reports(client: MlflowClient, run_id: str, summary: RunSummary) -> None:
    validation = summary.validation
    for uri, name in ((validation.report_uri, "validation.json"), (validation.markdown_uri, "validation.md")):
        if uri and storage.exists(uri):
            client.log_text(run_id, storage.read_bytes(uri).decode(), f"validation/{name}")
    evaluation_dir = Path(summary.evaluation.table_path).parent
    client.log_artifacts(run_id, str(evaluation_dir), "evaluation")


def _log_model(run_id: str, trained: Trained, example: Any) -> Any:
    import mlflow.pyfunc
    from mlflow.models import Model, infer_signature

    from model_registry.predictions import predictions_frame

    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as staging:
        # Integer columns cannot hold missing values; the spec already refuses nulls in them unless nullable.
        warnings.filterwarnings("ignore", message=".*integer column", category=UserWarning)
        # The logged signature is the contract; MLflow's nudge towards predict type hints does not apply.
        warnings.filterwarnings("ignore", message=".*type hints to the `predict` method", category=UserWarning)
        signature = infer_signature(example, predictions_frame(trained.train.model, example))
        bundle = Path(staging) / BUNDLE_DIR
        shutil.copytree(trained.model_dir, bundle)
        # Model.log is what pyfunc.log_model calls; it takes the run explicitly instead of the active run.
        return Model.log(
            artifact_path=None,
            name=MODEL_NAME,
            flavor=mlflow.pyfunc,
            run_id=run_id,
            python_model=str(Path(__file__).with_name("pyfunc_model.py")),
            artifacts={BUNDLE_DIR: str(bundle)},
            model_config={"manifest_sha256": trained.model_sha256},
            signature=signature,
            input_example=example,
            pip_requirements=pip_requirements(trained.spec.model.family),
            tags={"manifest_sha256": trained.model_sha256, "bundle_path": BUNDLE_PATH},
            flavor_name="pyfunc.ModelFromCode",
        )


def begin_tracking(
    trained: Trained, settings: Settings | None = None, airflow: dict[str, Any] | None = None
) -> TrackedRun:
    """Open (or find) the MLflow run of a trained model and log params, the dataset input and the model.

    A run already finished under the same key is returned with `reused=True` and left untouched.
    Raises TrackingServerUnavailable within seconds when the server does not answer.
    """
    import mlflow

    from pipelines.ingest import load_snapshot

    client = tracking_client(settings)
    mlflow.set_tracking_uri(client.tracking_uri)  # Model.log resolves the server from the global URI
    spec = trained.spec
    experiment_id = ensure_experiment(client, spec.name)
    key = run_key(trained, airflow)
    previous = _find_run(client, experiment_id, key)
    if previous is not None and previous.info.status == "FINISHED" and MODEL_ID_TAG in previous.data.tags:
        model_id = previous.data.tags[MODEL_ID_TAG]
        uri = f"models:/{model_id}"
        return TrackedRun(previous.info.run_id, experiment_id, uri, model_id, trained.model_sha256, key, True)
    tags = lineage_tags(trained, airflow) | {RUN_KEY_TAG: key, "shadowloop.project": spec.name}
    if previous is None:
        run_name = f"{spec.model.family}-{trained.snapshot.sha256[:8]}"
        run_id = client.create_run(experiment_id, run_name=run_name, tags=tags).info.run_id
        logged: dict[str, str] = {}
    else:
        # Resuming a half-logged run (a crashed try) keeps one MLflow run per pipeline run.
        run_id = previous.info.run_id
        client.update_run(run_id, status="RUNNING")
        for name, value in tags.items():
            client.set_tag(run_id, name, value)
        logged = previous.data.params
    try:
        frame = load_snapshot(trained.snapshot)
        # MLflow refuses to change a logged param, so a resumed run only adds the missing ones.
        _log_batched(client, run_id, [], [p for p in _params(trained) if p.key not in logged])
        _log_dataset(client, run_id, trained, frame)
        example = frame[spec.features.all].head(_INPUT_EXAMPLE_ROWS).reset_index(drop=True)
        info = _log_model(run_id, trained, example)
        client.set_tag(run_id, MODEL_ID_TAG, info.model_id)
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    return TrackedRun(run_id, experiment_id, info.model_uri, info.model_id, trained.model_sha256, key)


def finish_tracking(tracked: TrackedRun, summary: RunSummary, settings: Settings | None = None) -> TrackedRun:
    """Log the evaluation (metrics, history, validation report, plots, table) and mark the run finished."""
    if tracked.reused:
        return tracked
    client = tracking_client(settings)
    try:
        _log_batched(client, tracked.run_id, _metrics(summary, tracked.model_id), [])
        _log_reports(client, tracked.run_id, summary)
    except BaseException:
        client.set_terminated(tracked.run_id, status="FAILED")
        raise
    client.set_terminated(tracked.run_id, status="FINISHED")
    return tracked


def abandon_tracking(tracked: TrackedRun, settings: Settings | None = None) -> None:
    """Mark a begun run failed (its pipeline run failed after training); a retry resumes it."""
    if not tracked.reused:
        tracking_client(settings).set_terminated(tracked.run_id, status="FAILED")


def track_run(
    summary: RunSummary, settings: Settings | None = None, airflow: dict[str, Any] | None = None
) -> TrackedRun:
    """Log a finished pipeline run to MLflow (both phases); a run already logged under the same key is reused.

    Raises TrackingServerUnavailable within seconds when the server does not answer.
    """
    return finish_tracking(begin_tracking(summary.trained, settings, airflow), summary, settings)
