"""The loop's steps over a run folder in the lake, so each can run in its own process (an Airflow task).

Each step reads what the previous ones wrote under `run_uri` and writes its own outputs there; only the URI
crosses between tasks. Re-running a step for the same run rewrites the same files: retries are idempotent.
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from pipelines.types import Evaluation, ExpectationFailure, Snapshot, TrainHistory, ValidationReport
from shadowloop import storage
from shadowloop.settings import Settings, get_settings
from shadowloop.spec import ProjectSpec, Source

if TYPE_CHECKING:
    from shadowloop.runner import RunSummary, Trained

SPLITS = ("train", "valid", "test")


def run_uri_for(project: str, run_id: str, settings: Settings | None = None) -> str:
    """Where one run's intermediate artefacts live: `<lake>/runs/<project>/<run_id>`."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)
    return storage.join((settings or get_settings()).lake_uri, "runs", project, safe)


def _write_json(uri: str, data: Any) -> None:
    storage.write_bytes(uri, json.dumps(data, indent=2, default=str).encode())


def _read_json(uri: str) -> Any:
    return json.loads(storage.read_bytes(uri))


def _timed(run_uri: str, step: str, started: float) -> None:
    _write_json(storage.join(run_uri, "timings", f"{step}.json"), {"seconds": time.perf_counter() - started})


def start_run(spec: ProjectSpec, run_uri: str) -> str:
    """Pin the resolved spec (after any overrides) for every later step of this run."""
    _write_json(storage.join(run_uri, "spec.json"), spec.model_dump(mode="json", by_alias=True))
    return run_uri


def read_spec(run_uri: str) -> ProjectSpec:
    return ProjectSpec.model_validate(_read_json(storage.join(run_uri, "spec.json")))


def _resolve_source(source: Source, settings: Settings) -> Source:
    uri = source.uri
    if uri and not storage.is_s3(uri) and not Path(uri).is_absolute():
        return source.model_copy(update={"uri": str((settings.data_root / uri).resolve())})
    return source


def ingest_step(run_uri: str, source_uri: str | None = None, settings: Settings | None = None) -> Snapshot:
    """Snapshot the spec's source (or `source_uri`, an override) into the lake."""
    from pipelines.ingest import ingest

    started = time.perf_counter()
    settings = settings or get_settings()
    spec = read_spec(run_uri)
    source = Source(uri=source_uri) if source_uri else spec.source
    snapshot = ingest(spec, settings.lake_uri, _resolve_source(source, settings))
    _write_json(storage.join(run_uri, "snapshot.json"), snapshot.to_dict())
    _timed(run_uri, "ingest", started)
    return snapshot


def read_snapshot(run_uri: str) -> Snapshot:
    return Snapshot.from_dict(_read_json(storage.join(run_uri, "snapshot.json")))


def validate_step(run_uri: str, settings: Settings | None = None) -> ValidationReport:
    """Gate the snapshot; raises DataValidationError (batch quarantined) when it fails."""
    from pipelines.validate import validate_snapshot

    started = time.perf_counter()
    settings = settings or get_settings()
    report = validate_snapshot(read_snapshot(run_uri), read_spec(run_uri), settings.lake_uri)
    _write_json(storage.join(run_uri, "validation.json"), report.to_dict())
    _timed(run_uri, "validate", started)
    return report


def read_validation(run_uri: str) -> ValidationReport:
    data = _read_json(storage.join(run_uri, "validation.json"))
    data["failures"] = [ExpectationFailure(**f) for f in data["failures"]]
    return ValidationReport(**data)


def features_step(run_uri: str) -> dict[str, int]:
    """Split the validated snapshot; the frames are written as Parquet for the training step."""
    from pipelines.features import split_dataset
    from pipelines.ingest import load_snapshot

    started = time.perf_counter()
    split = split_dataset(load_snapshot(read_snapshot(run_uri)), read_spec(run_uri))
    for name in SPLITS:
        buffer = io.BytesIO()
        getattr(split, name).to_parquet(buffer, index=True)
        storage.write_bytes(storage.join(run_uri, "split", f"{name}.parquet"), buffer.getvalue())
    _write_json(storage.join(run_uri, "split", "sizes.json"), split.sizes())
    _timed(run_uri, "features", started)
    return split.sizes()


def read_split_sizes(run_uri: str) -> dict[str, int]:
    """Rows per split, without reading the frames."""
    return dict(_read_json(storage.join(run_uri, "split", "sizes.json")))


def read_split(run_uri: str) -> Any:
    from pipelines.features import DatasetSplit

    frames = {
        n: pd.read_parquet(io.BytesIO(storage.read_bytes(storage.join(run_uri, "split", f"{n}.parquet"))))
        for n in SPLITS
    }
    return DatasetSplit(**frames)


def _scratch(run_uri: str, settings: Settings) -> Path:
    """A local working folder for one run (bundles and plots are files before they go to the lake)."""
    parts = run_uri.rstrip("/").split("/")[-2:]
    return settings.home.resolve() / "work" / Path(*parts)


def train_step(run_uri: str, device: str = "auto", settings: Settings | None = None) -> dict[str, Any]:
    """Train the spec's model on the split; the bundle goes to `<run>/model`, the history to `train.json`."""
    from pipelines.train import train_model

    started = time.perf_counter()
    settings = settings or get_settings()
    result = train_model(read_split(run_uri), read_spec(run_uri), device=device)
    local = _scratch(run_uri, settings) / "model"
    model_sha256 = result.model.save(local)
    storage.upload_dir(local, storage.join(run_uri, "model"))
    info = {
        "device": result.device,
        "seconds": result.seconds,
        "train_rows": result.train_rows,
        "model_sha256": model_sha256,
        "history": asdict(result.history),
    }
    _write_json(storage.join(run_uri, "train.json"), info)
    _timed(run_uri, "train", started)
    return info


def _local_model_dir(run_uri: str, settings: Settings) -> Path:
    local = _scratch(run_uri, settings) / "model"
    if not (local / "manifest.json").exists():
        storage.download_dir(storage.join(run_uri, "model"), local)
    return local


def evaluate_step(run_uri: str, settings: Settings | None = None) -> dict[str, float]:
    """Score the trained model and a trivial baseline on the test split; plots and tables go to `<run>/evaluation`."""
    from pipelines.evaluate import evaluate_model
    from pipelines.model_bundle import load_model
    from pipelines.train import train_model

    started = time.perf_counter()
    settings = settings or get_settings()
    spec, split = read_spec(run_uri), read_split(run_uri)
    info = _read_json(storage.join(run_uri, "train.json"))
    model = load_model(_local_model_dir(run_uri, settings), expected_manifest_sha256=info["model_sha256"])
    baseline = train_model(split, spec.with_overrides({"model.family": "baseline", "model.params": {}})).model
    local = _scratch(run_uri, settings) / "evaluation"
    evaluation = evaluate_model(model, baseline, split, spec, local)
    _write_json(storage.join(run_uri, "evaluation.json"), asdict(evaluation))
    storage.upload_dir(local, storage.join(run_uri, "evaluation"))
    _timed(run_uri, "evaluate", started)
    return evaluation.metrics


def read_trained(run_uri: str, settings: Settings | None = None) -> Trained:
    """What a run folder holds once training is done, with a verified local copy of the bundle."""
    from pipelines.model_bundle import load_model
    from pipelines.train import TrainResult
    from shadowloop.runner import Trained

    settings = settings or get_settings()
    info = _read_json(storage.join(run_uri, "train.json"))
    model_dir = _local_model_dir(run_uri, settings)
    train = TrainResult(
        model=load_model(model_dir, expected_manifest_sha256=info["model_sha256"]),
        history=TrainHistory(**info["history"]),
        device=info["device"],
        seconds=info["seconds"],
        train_rows=info["train_rows"],
    )
    return Trained(
        spec=read_spec(run_uri),
        snapshot=read_snapshot(run_uri),
        validation=read_validation(run_uri),
        split_sizes=read_split_sizes(run_uri),
        train=train,
        model_dir=model_dir,
        model_sha256=info["model_sha256"],
    )


def load_summary(run_uri: str, settings: Settings | None = None) -> RunSummary:
    """Rebuild the whole run's summary from its folder (what registration needs), with local copies of files."""
    from shadowloop.runner import RunSummary

    settings = settings or get_settings()
    trained = read_trained(run_uri, settings)
    evaluation_dir = _scratch(run_uri, settings) / "evaluation"
    if not (evaluation_dir / "evaluation.csv").exists():
        storage.download_dir(storage.join(run_uri, "evaluation"), evaluation_dir)
    data = _read_json(storage.join(run_uri, "evaluation.json"))
    data["plots"] = {name: str(evaluation_dir / Path(path).name) for name, path in data["plots"].items()}
    data["table_path"] = str(evaluation_dir / Path(data["table_path"]).name)
    seconds = {
        Path(uri).stem: _read_json(uri)["seconds"] for uri in storage.list_files(storage.join(run_uri, "timings"))
    }
    return RunSummary(**vars(trained), evaluation=Evaluation(**data), seconds=seconds)
