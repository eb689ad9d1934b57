"""The same training DAG on the production profile: Airflow and MLflow metadata on PostgreSQL, the data lake and
MLflow's artifacts on an S3-compatible server. Only settings change; the code is the same."""

from __future__ import annotations

import uuid

import pytest

from pipelines.demo_data import generate_fraud
from shadowloop import storage
from shadowloop.daemon import Daemon
from shadowloop.settings import Settings
from tests.e2e.airflow_cli import dags_test, env_for, migrate, run_id_from_log, write_spec
from tests.fixtures.ports import free_port

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def production(postgres_server, s3_server, tmp_path_factory: pytest.TempPathFactory, request):
    """PostgreSQL databases, S3 buckets, and an MLflow server on them; torn down after the module."""
    from model_registry.server import server_command, server_env

    root = tmp_path_factory.mktemp("production")
    suffix = uuid.uuid4().hex[:6]
    s3 = s3_server.client()
    for bucket in (f"lake-{suffix}", f"mlflow-{suffix}"):
        s3.create_bucket(Bucket=bucket)
    port = free_port()
    settings = Settings(
        profile="production",
        home=root / "state",
        specs_dir=root / "specs",
        lake_uri=f"s3://lake-{suffix}/prod",
        s3_endpoint_url=s3_server.endpoint_url,
        mlflow_tracking_uri=f"http://127.0.0.1:{port}",
        mlflow_port=port,
        mlflow_backend_store_uri=postgres_server.create_database(f"mlflow_{suffix}"),
        mlflow_artifacts_destination=f"s3://mlflow-{suffix}/artifacts",
        airflow_database_url=postgres_server.create_database(f"airflow_{suffix}"),
        api_token="p" * 32,
        admin_token="q" * 32,
        airflow_admin_password="r" * 32,
    )
    aws = s3_server.env()
    mlflow = Daemon(
        name="mlflow-production",
        command=server_command(settings.model_copy(update={"profile": "dev"})),
        health_url=f"{settings.mlflow_tracking_uri}/health",
        host="127.0.0.1",
        port=port,
        state_dir=root / "run",
        env=server_env(settings) | aws,
        marker="mlflow",
    )
    mlflow.start(timeout=120)
    request.addfinalizer(mlflow.stop)
    name = f"fraud_{suffix}"
    write_spec(settings.specs_dir, name)
    env = env_for(settings, aws)
    migrate(env)
    return settings, env, name, root


def test_fraud_dag_on_postgres_and_s3(production, s3_server, monkeypatch: pytest.MonkeyPatch) -> None:
    from mlflow import MlflowClient

    from shadowloop.settings import get_settings

    settings, env, name, root = production
    for key, value in s3_server.env().items():  # this process writes the source object to the same S3
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    data = root / "fraud.csv"
    generate_fraud(rows=4000, seed=31).to_csv(data, index=False)
    source = storage.join(settings.lake_uri, "incoming", "fraud.csv")
    storage.write_bytes(source, data.read_bytes())

    log = root / "run.log"
    code = dags_test(env, f"train_{name}", {"source_uri": source, "model_params": {"max_iter": 40}}, log)
    assert code == 0, log.read_text()[-4000:]

    client = MlflowClient(tracking_uri=settings.mlflow_tracking_uri)
    (version,) = client.search_model_versions(f"name='{name}'")
    assert version.tags["airflow.run_id"] == run_id_from_log(log)
    assert version.tags["lineage.dataset_uri"].startswith(f"{settings.lake_uri}/snapshots/{name}/")
    assert client.get_model_version_by_alias(name, "champion").version == version.version
    artifacts = storage.list_files(settings.mlflow_artifacts_destination)
    assert any(key.endswith("manifest.json") for key in artifacts), "the model bundle must live in S3"
