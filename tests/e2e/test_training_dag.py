"""The training DAG through real Airflow (`airflow dags test`) against a real MLflow server, embedded profile."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest

from pipelines.demo_data import generate_fraud
from shadowloop.settings import Settings
from tests.e2e.airflow_cli import dags_test, env_for, migrate, run_id_from_log, task_states, task_test, write_spec

pytestmark = pytest.mark.e2e
FAST = {"model_params": {"max_iter": 40, "learning_rate": 0.1}}


@pytest.fixture(scope="module")
def stack(mlflow_server, tmp_path_factory: pytest.TempPathFactory):
    """One Airflow home (SQLite) and a project of our own, wired to the session's MLflow server."""
    root = tmp_path_factory.mktemp("airflow-e2e")
    name = f"fraud_{uuid.uuid4().hex[:6]}"
    write_spec(root / "specs", name)
    settings = Settings(home=root / "state", specs_dir=root / "specs", mlflow_tracking_uri=mlflow_server.url)
    env = env_for(settings)
    migrate(env)
    return settings, env, name, root


def _client(settings: Settings):
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri)


def test_fraud_dag_registers_a_champion_traced_to_its_airflow_run_and_data(stack) -> None:
    settings, env, name, root = stack
    data = root / "fraud.csv"
    generate_fraud(rows=4000, seed=21).to_csv(data, index=False)
    log = root / "ok.log"

    code = dags_test(env, f"train_{name}", {"source_uri": str(data), **FAST}, log)
    assert code == 0, log.read_text()[-4000:]
    run_id = run_id_from_log(log)

    client = _client(settings)
    (version,) = client.search_model_versions(f"name='{name}'")
    assert version.tags["airflow.dag_id"] == f"train_{name}"
    assert version.tags["airflow.run_id"] == run_id
    (snapshot,) = (Path(settings.lake_uri) / "snapshots" / name).glob("*.parquet")
    assert version.tags["lineage.dataset_sha256"] == hashlib.sha256(snapshot.read_bytes()).hexdigest()
    assert client.get_model_version_by_alias(name, "champion").version == version.version
    assert "registered" in log.read_text() and "champion" in log.read_text()
    assert set(task_states(env, f"train_{name}", run_id).values()) == {"success"}

    # A retried or cleared register task must find the same run and version, not make new ones.
    rerun = task_test(env, f"train_{name}", "register", run_id)
    assert f"registered {name} version {version.version}" in rerun
    assert len(client.search_model_versions(f"name='{name}'")) == 1
    assert len(client.search_runs([client.get_run(version.run_id).info.experiment_id])) == 1


def test_corrupted_batch_fails_at_validate_is_quarantined_and_nothing_is_registered(stack) -> None:
    settings, env, name, root = stack
    data = root / "bad.csv"
    generate_fraud(rows=3000, seed=22, corruption=["nulls", "bad_category"]).to_csv(data, index=False)
    client = _client(settings)
    before = len(client.search_model_versions(f"name='{name}'"))
    log = root / "bad.log"

    code = dags_test(env, f"train_{name}", {"source_uri": str(data), **FAST}, log)
    assert code != 0
    text = log.read_text()
    assert "VALIDATION FAILED" in text
    assert "expect_column_values_to_not_be_null on column 'amount'" in text
    assert "expect_column_values_to_be_in_set on column 'merchant_category'" in text
    states = task_states(env, f"train_{name}", run_id_from_log(log))
    assert states["ingest"] == "success" and states["validate"] == "failed"
    assert {states[t] for t in ("features", "train", "evaluate", "register")} == {"upstream_failed"}
    assert list((Path(settings.lake_uri) / "quarantine" / name).glob("*/snapshot.parquet"))
    assert len(client.search_model_versions(f"name='{name}'")) == before
