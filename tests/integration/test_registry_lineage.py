"""Publishing a run into a real MLflow server: what the UI shows, lineage tags, idempotency, alias moves."""

from __future__ import annotations

import subprocess

import pytest

from model_registry.audit import history
from model_registry.connection import tracking_client
from model_registry.publish import publish_run
from model_registry.registration import versions_of_run
from model_registry.resolve import alias_versions, load_resolved, resolve_alias
from pipelines.ingest import load_snapshot
from shadowloop.runner import RunSummary
from shadowloop.settings import Settings
from tests.fixtures.mlflow_server import ROOT, as_project

pytestmark = pytest.mark.integration


def test_first_run_is_tracked_and_becomes_champion_with_lineage(
    trained_fraud: RunSummary, mlflow_settings: Settings
) -> None:
    summary = as_project(trained_fraud)
    published = publish_run(summary, mlflow_settings)
    client = tracking_client(mlflow_settings)

    assert published.decision == "champion" and published.compared_champion_version is None
    version = client.get_model_version(published.name, published.version)
    tags = version.tags
    assert tags["lineage.dataset_sha256"] == summary.snapshot.sha256
    assert tags["lineage.dataset_uri"] == summary.snapshot.uri
    assert tags["lineage.validation"] == "passed"
    assert tags["lineage.training_device"] == summary.train.device == "cpu"
    assert tags["lineage.compared_champion_version"] == "none"
    assert tags["model.manifest_sha256"] == summary.model_sha256
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    assert tags["lineage.git_commit"].removesuffix("-dirty") == head.strip()
    assert tags["gate.decision"] == "champion" and "audit.promote.by" in tags
    assert client.get_registered_model(published.name).aliases == {"champion": published.version}

    run = client.get_run(published.run_id)
    assert run.data.params["model.family"] == "gradient_boosting"
    assert run.data.params["model.params.max_iter"] == "40"
    assert run.data.params["promotion.primary_floor"] == "0.2"
    assert run.data.metrics["pr_auc"] == pytest.approx(summary.evaluation.metrics["pr_auc"])
    dataset_input = run.inputs.dataset_inputs[0]
    assert dataset_input.dataset.source and summary.snapshot.uri in dataset_input.dataset.source
    assert {t.key: t.value for t in dataset_input.tags}["sha256"] == summary.snapshot.sha256
    artifacts = {
        a.path for folder in ("validation", "evaluation") for a in client.list_artifacts(run.info.run_id, folder)
    }
    assert {"validation/validation.json", "evaluation/evaluation.csv"} <= artifacts
    assert any(path.endswith(".png") for path in artifacts)

    import mlflow

    info = mlflow.models.get_model_info(f"models:/{published.name}/{published.version}")
    assert info.signature is not None and "amount" in info.signature.inputs.input_names()
    assert info.saved_input_example_info is not None
    # Pickle-free: the pyfunc wrapper is logged as code, the model as our skops bundle.
    assert info.flavors["python_function"].get("model_code_path", "").endswith("pyfunc_model.py")

    assert alias_versions(summary.spec.name, mlflow_settings) == {"champion": published.version}
    resolved = resolve_alias(summary.spec.name, "champion", mlflow_settings)
    model = load_resolved(resolved)
    assert resolved.version == published.version and resolved.run_id == published.run_id
    assert model.predict(load_snapshot(summary.snapshot).head(5)).shape == (5,)


def test_same_run_published_twice_gives_one_version(trained_fraud: RunSummary, mlflow_settings: Settings) -> None:
    summary = as_project(trained_fraud)
    first = publish_run(summary, mlflow_settings)
    second = publish_run(summary, mlflow_settings)
    client = tracking_client(mlflow_settings)

    assert (second.version, second.run_id, second.created) == (first.version, first.run_id, False)
    assert len(versions_of_run(client, first.name, first.run_id)) == 1
    assert len(client.search_model_versions(f"name = '{first.name}'")) == 1
    assert len(history(client, first.name)) == 1


def test_airflow_retry_lands_in_the_same_run_and_version(trained_fraud: RunSummary, mlflow_settings: Settings) -> None:
    summary = as_project(trained_fraud)
    airflow = {"dag_id": "train_fraud", "run_id": "manual__2026-11-22", "try_number": 1}
    first = publish_run(summary, mlflow_settings, airflow=airflow)
    retry = publish_run(summary, mlflow_settings, airflow=airflow | {"try_number": 2})

    assert (retry.run_id, retry.version) == (first.run_id, first.version)
    tags = tracking_client(mlflow_settings).get_model_version(first.name, first.version).tags
    assert tags["airflow.dag_id"] == "train_fraud"
    assert tags["airflow.run_id"] == "manual__2026-11-22"
    assert tags["airflow.try_number"] == "1"
