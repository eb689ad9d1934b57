"""Concurrency, integrity and failure behaviour of the registry against a real MLflow server."""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from model_registry.connection import TrackingServerUnavailable, tracking_client
from model_registry.publish import publish_run
from model_registry.registration import register_version
from model_registry.resolve import load_resolved, resolve_alias
from model_registry.tracking import TrackedRun, ensure_experiment
from pipelines.model_bundle import ModelIntegrityError
from shadowloop.runner import RunSummary
from shadowloop.settings import Settings
from tests.fixtures.mlflow_server import MlflowServer, as_project
from tests.fixtures.ports import free_port

pytestmark = pytest.mark.integration


def test_twenty_concurrent_registrations_get_unique_versions(
    trained_fraud: RunSummary, mlflow_settings: Settings
) -> None:
    summary = as_project(trained_fraud)
    base = publish_run(summary, mlflow_settings)
    client = tracking_client(mlflow_settings)
    model_uri = client.get_model_version(base.name, base.version).source
    assert model_uri is not None
    experiment_id = ensure_experiment(client, summary.spec.name)
    runs = [client.create_run(experiment_id).info.run_id for _ in range(20)]
    tracked = [TrackedRun(r, experiment_id, model_uri, model_uri.removeprefix("models:/"), "x", r) for r in runs]
    # Five extra racers register a run that is already being registered: they must not add versions.
    jobs = tracked + [tracked[0]] * 5

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        versions = list(pool.map(lambda t: register_version(client, base.name, t, {"test": "1"}).version, jobs))

    by_run = dict(zip(runs, versions[:20], strict=True))
    assert len(set(by_run.values())) == 20
    assert set(versions[20:]) == {by_run[runs[0]]}
    registered = client.search_model_versions(f"name = '{base.name}'")
    assert sorted(v.run_id for v in registered) == sorted([base.run_id, *runs])


def test_tampered_artifact_is_refused(
    trained_fraud: RunSummary, mlflow_settings: Settings, mlflow_server: MlflowServer
) -> None:
    summary = as_project(trained_fraud)
    publish_run(summary, mlflow_settings)
    resolved = resolve_alias(summary.spec.name, "champion", mlflow_settings)

    # Tampered local cache: the loader refuses it.
    (resolved.local_dir / "pipeline.skops").write_bytes(b"not the model")
    with pytest.raises(ModelIntegrityError):
        load_resolved(resolved)

    # Tampered server-side artifact: the download is refused before anything is loaded.
    source = tracking_client(mlflow_settings).get_model_version(resolved.name, resolved.version).source
    model_id = str(source).removeprefix("models:/")
    (target,) = mlflow_server.artifacts.glob(f"*/models/{model_id}/artifacts/artifacts/bundle/manifest.json")
    target.write_text(target.read_text().replace('"task"', '"task" ', 1))
    shutil.rmtree(resolved.local_dir)
    with pytest.raises(ModelIntegrityError, match="does not match"):
        resolve_alias(summary.spec.name, "champion", mlflow_settings)


def test_server_down_fails_fast_with_a_clear_error(trained_fraud: RunSummary, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(home=tmp_path, mlflow_tracking_uri=f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    with pytest.raises(TrackingServerUnavailable, match="not reachable.*shadowloop mlflow start"):
        publish_run(as_project(trained_fraud), settings)
    with pytest.raises(TrackingServerUnavailable):
        resolve_alias("fraud", "champion", settings)
    assert time.monotonic() - started < 10
