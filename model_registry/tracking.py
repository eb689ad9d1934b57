"""One MLflow run per pipeline run: params, metrics and history, the snapshot as input, artifacts, the model."""

from __future__ import annotations

import hashlib
import importlib.metadata
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

    from shadowloop.runner import RunSummary

MODEL_NAME = "model"
BUNDLE_DIR = "bundle"
# Where the bundle sits inside the logged model's artifacts (pyfunc copies `artifacts` there by folder name).
BUNDLE_PATH = f"artifacts/{BUNDLE_DIR}"
RUN_KEY_TAG = "shadowloop.run_key"
MODEL_ID_TAG = "shadowloop.model_id"
_BATCH = 900  # MLflow accepts at most 1000 metrics and 100 params per log_batch call.
_PARAM_BATCH = 100
_INPUT_EXAMPLE_ROWS = 5


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


def run_key(summary: RunSummary, airflow: dict[str, Any] | None = None) -> str:
    """Identity of a pipeline run: spec + snapshot + (Airflow run, or the trained bundle's digest).

    An Airflow retry keeps its dag run, hence its key, so it lands in the same MLflow run; a CLI re-run on the
    same data and spec that produces the same bundle is recognised too.
    """
    parts = [summary.spec.name, spec_fingerprint(summary.spec), summary.snapshot.sha256]
    tags = airflow_tags(airflow)
    parts += [tags["airflow.dag_id"], tags["airflow.run_id"]] if "airflow.run_id" in tags else [summary.model_sha256]
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


def _metrics(summary: RunSummary) -> list[Any]:
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    values: dict[str, float] = dict(summary.evaluation.metrics)
    values |= {f"baseline_{k}": v for k, v in summary.evaluation.baseline_metrics.items()}
    values |= {f"check_{k}": float(v) for k, v in summary.evaluation.checks.items()}
    values |= {f"time_{k}_s": v for k, v in summary.seconds.items()}
    values["primary_gain_over_baseline"] = summary.primary_gain
    values["train_seconds"] = summary.train.seconds
    metrics = [Metric(k, float(v), now, 0) for k, v in values.items() if math.isfinite(float(v))]
    history = summary.train.history
    for name, series in (("train_loss", history.train_loss), ("valid_loss", history.valid_loss)):
        metrics += [Metric(name, float(v), now, step) for step, v in enumerate(series) if math.isfinite(float(v))]
    return metrics


def _params(summary: RunSummary) -> list[Any]:
    from mlflow.entities import Param

    values = spec_params(summary.spec)
    values |= {f"data.{k}_rows": str(v) for k, v in summary.split_sizes.items()}
    values["data.snapshot_sha256"] = summary.snapshot.sha256
    values["train.device"] = summary.train.device
    values["model.manifest_sha256"] = summary.model_sha256
    return [Param(k, v) for k, v in values.items()]


def _log_batched(client: MlflowClient, run_id: str, metrics: list[Any], params: list[Any]) -> None:
    """Per-epoch history and params in a few requests instead of one per value."""
    for start in range(0, len(params), _PARAM_BATCH):
        client.log_batch(run_id, params=params[start : start + _PARAM_BATCH])
    for start in range(0, len(metrics), _BATCH):
        client.log_batch(run_id, metrics=metrics[start : start + _BATCH])


def _log_dataset(summary: RunSummary, frame: Any) -> None:
    import mlflow
    from mlflow.data.pandas_dataset import from_pandas

    snapshot = summary.snapshot
    # The dataset table's digest column holds 36 characters; the full sha256 goes in an input tag.
    dataset = from_pandas(
        frame,
        source=snapshot.uri,
        name=f"{snapshot.project}-{snapshot.sha256[:12]}",
        digest=snapshot.sha256[:36],
        targets=summary.spec.target,
    )
    mlflow.log_input(dataset, context="training", tags={"sha256": snapshot.sha256, "source": snapshot.source[:400]})


def _log_reports(client: MlflowClient, run_id: str, summary: RunSummary) -> None:
    validation = summary.validation
    for uri, name in ((validation.report_uri, "validation.json"), (validation.markdown_uri, "validation.md")):
        if uri and storage.exists(uri):
            client.log_text(run_id, storage.read_bytes(uri).decode(), f"validation/{name}")
    evaluation_dir = Path(summary.evaluation.table_path).parent
    client.log_artifacts(run_id, str(evaluation_dir), "evaluation")


def _log_model(summary: RunSummary, example: Any) -> Any:
    import mlflow
    from mlflow.models import infer_signature

    from model_registry.predictions import predictions_frame

    with warnings.catch_warnings(), tempfile.TemporaryDirectory() as staging:
        # Integer columns cannot hold missing values; the spec already refuses nulls in them unless nullable.
        warnings.filterwarnings("ignore", message=".*integer column", category=UserWarning)
        # The logged signature is the contract; MLflow's nudge towards predict type hints does not apply.
        warnings.filterwarnings("ignore", message=".*type hints to the `predict` method", category=UserWarning)
        signature = infer_signature(example, predictions_frame(summary.train.model, example))
        bundle = Path(staging) / BUNDLE_DIR
        shutil.copytree(summary.model_dir, bundle)
        return mlflow.pyfunc.log_model(
            name=MODEL_NAME,
            python_model=str(Path(__file__).with_name("pyfunc_model.py")),
            artifacts={BUNDLE_DIR: str(bundle)},
            model_config={"manifest_sha256": summary.model_sha256},
            signature=signature,
            input_example=example,
            pip_requirements=pip_requirements(summary.spec.model.family),
            tags={"manifest_sha256": summary.model_sha256, "bundle_path": BUNDLE_PATH},
        )


def track_run(
    summary: RunSummary, settings: Settings | None = None, airflow: dict[str, Any] | None = None
) -> TrackedRun:
    """Log a finished pipeline run to MLflow; a run already logged under the same key is returned as is.

    Raises TrackingServerUnavailable within seconds when the server does not answer.
    """
    import mlflow

    from pipelines.ingest import load_snapshot

    client = tracking_client(settings)
    mlflow.set_tracking_uri(client.tracking_uri)
    spec = summary.spec
    experiment_id = ensure_experiment(client, spec.name)
    key = run_key(summary, airflow)
    previous = _find_run(client, experiment_id, key)
    if previous is not None and previous.info.status == "FINISHED" and MODEL_ID_TAG in previous.data.tags:
        model_id = previous.data.tags[MODEL_ID_TAG]
        return TrackedRun(
            previous.info.run_id, experiment_id, f"models:/{model_id}", model_id, summary.model_sha256, key, True
        )
    tags = lineage_tags(summary, airflow) | {RUN_KEY_TAG: key, "shadowloop.project": spec.name}
    run_name = f"{spec.model.family}-{summary.snapshot.sha256[:8]}"
    frame = load_snapshot(summary.snapshot)
    example = frame[spec.features.all].head(_INPUT_EXAMPLE_ROWS).reset_index(drop=True)
    # Resuming a half-logged run (a crashed try) keeps one MLflow run per pipeline run.
    resume = previous.info.run_id if previous is not None else None
    with mlflow.start_run(run_id=resume, experiment_id=experiment_id, run_name=run_name, tags=tags) as run:
        run_id = run.info.run_id
        logged = previous.data.params if previous is not None else {}
        # MLflow refuses to change a logged param, so a resumed run only adds the missing ones.
        params = [p for p in _params(summary) if p.key not in logged]
        _log_batched(client, run_id, _metrics(summary), params)
        _log_dataset(summary, frame)
        _log_reports(client, run_id, summary)
        info = _log_model(summary, example)
        client.set_tag(run_id, MODEL_ID_TAG, info.model_id)
    return TrackedRun(run_id, experiment_id, info.model_uri, info.model_id, summary.model_sha256, key)
