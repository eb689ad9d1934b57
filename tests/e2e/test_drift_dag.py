"""The drift monitor through real Airflow (`airflow dags test`) and a real MLflow server.

Drifted traffic in the prediction log makes `drift_<project>` emit an event on the project's drift asset, which
queues `train_<project>` (and the scheduler turns that into an asset-triggered run); undrifted traffic emits
nothing. The metadata DB (SQLite) is read with plain SQL: what the scheduler itself reads.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from pipelines.demo_data import generate_fraud
from pipelines.profile import profile_frame
from shadowloop.settings import Settings
from shadowloop.spec import load_spec
from tests.e2e.airflow_cli import AIRFLOW, dags_test, env_for, migrate, run_id_from_log, write_spec

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(mlflow_server, tmp_path_factory: pytest.TempPathFactory):
    """An Airflow home with the project's DAGs serialized, and a champion (with a reference profile) in MLflow."""
    from model_registry.reference_profile import log_reference_profile

    root = tmp_path_factory.mktemp("drift-e2e")
    name = f"fraud_{uuid.uuid4().hex[:6]}"
    spec = load_spec(write_spec(root / "specs", name))
    settings = Settings(
        home=root / "state",
        specs_dir=root / "specs",
        mlflow_tracking_uri=mlflow_server.url,
        prediction_log_url=f"sqlite:///{root / 'predictions.db'}",
    )
    env = env_for(settings)
    migrate(env)
    # The training DAG must be in the metadata DB for an asset event to queue it (the dag-processor's job).
    result = subprocess.run([AIRFLOW, "dags", "reserialize"], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]

    # A champion needs only a run, a version and its profile here: the drift check never loads the model.
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=mlflow_server.url, registry_uri=mlflow_server.url)
    experiment = client.create_experiment(name)
    run_id = client.create_run(experiment).info.run_id
    client.create_registered_model(name)
    version = client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id).version
    client.set_registered_model_alias(name, "champion", version)
    training = generate_fraud(rows=4000, seed=31)
    profile = profile_frame(training, spec.features.numeric, spec.features.categorical)
    log_reference_profile(name, str(version), profile, settings)
    return settings, env, name, root, str(version)


def _fill_log(settings: Settings, name: str, version: str, drift: float, seed: int) -> None:
    """Replace the prediction log with 400 fresh rows answered by `version`."""
    from serving.prediction_log import metadata, predictions

    engine = sa.create_engine(settings.prediction_log_url)
    metadata.create_all(engine)
    frame = generate_fraud(rows=400, seed=seed, drift=drift)
    records = frame[load_spec(Path(settings.specs_dir) / f"{name}.yaml").features.all].to_dict("records")
    now = time.time()
    rows = [
        {
            "ts": now - i,
            "project": name,
            "request_id": f"r{i}",
            "model_name": name,
            "model_version": version,
            "features": json.dumps(record),
            "prediction": "{}",
            "latency_ms": 1.0,
            "cache_hit": False,
            "degraded": False,
        }
        for i, record in enumerate(records)
    ]
    with engine.begin() as connection:
        connection.execute(predictions.delete())
        connection.execute(predictions.insert(), rows)
    engine.dispose()


def _metadata(settings: Settings, sql: str, **params: str) -> list[sa.Row]:
    engine = sa.create_engine(settings.airflow_database_url)
    with engine.connect() as connection:
        rows = list(connection.execute(sa.text(sql), params))
    engine.dispose()
    return rows


def _task_states(settings: Settings, dag_id: str, run_id: str) -> dict[str, str]:
    rows = _metadata(
        settings,
        "SELECT task_id, state FROM task_instance WHERE dag_id = :dag AND run_id = :run",
        dag=dag_id,
        run=run_id,
    )
    return {r.task_id: r.state for r in rows}


def _events(settings: Settings, name: str) -> list[sa.Row]:
    return _metadata(
        settings,
        "SELECT e.extra, e.source_dag_id FROM asset_event e JOIN asset a ON a.id = e.asset_id WHERE a.uri = :uri",
        uri=f"shadowloop://{name}/drift",
    )


def _queued(settings: Settings, name: str) -> list[sa.Row]:
    return _metadata(
        settings, "SELECT target_dag_id FROM asset_dag_run_queue WHERE target_dag_id = :dag", dag=f"train_{name}"
    )


def test_undrifted_traffic_emits_nothing(stack) -> None:
    settings, env, name, root, version = stack
    _fill_log(settings, name, version, drift=0.0, seed=32)
    log = root / "calm.log"

    assert dags_test(env, f"drift_{name}", {}, log) == 0, log.read_text()[-4000:]

    states = _task_states(settings, f"drift_{name}", run_id_from_log(log))
    assert states == {"check_drift": "success", "request_retraining": "skipped"}
    assert "drift check: no_drift" in log.read_text()
    assert _events(settings, name) == [] and _queued(settings, name) == []


def test_drifted_traffic_emits_the_asset_event_that_schedules_training(stack) -> None:
    from model_registry.drift_tracking import monitoring_experiment

    settings, env, name, root, version = stack
    _fill_log(settings, name, version, drift=0.8, seed=33)
    log = root / "drift.log"

    assert dags_test(env, f"drift_{name}", {}, log) == 0, log.read_text()[-4000:]

    assert set(_task_states(settings, f"drift_{name}", run_id_from_log(log)).values()) == {"success"}
    ((extra, source),) = _events(settings, name)
    extra = json.loads(extra) if isinstance(extra, str) else extra
    assert source == f"drift_{name}"
    assert extra["status"] == "drift" and extra["model_version"] == version
    assert {"amount", "merchant_category"} <= set(extra["drifted_features"])
    assert Path(extra["window_uri"]).is_file()
    assert _queued(settings, name) == [(f"train_{name}",)]

    # The report is in MLflow, in the project's monitoring experiment.
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=settings.mlflow_tracking_uri)
    run = client.get_run(extra["mlflow_run_id"])
    assert client.get_experiment(run.info.experiment_id).name == monitoring_experiment(name)
    assert run.data.metrics["drift_detected"] == 1 and run.data.metrics["psi.amount"] >= 0.2
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "drift")}
    assert {"drift/drift_report.html", "drift/drift_report.png", "drift/drift_report.json"} <= artifacts

    # The pipelines' Prometheus textfile says the same.
    text = (settings.home / "metrics" / f"drift_{name}.prom").read_text()
    assert f'shadowloop_drift_status{{project="{name}",status="drift"}} 1.0' in text

    # The scheduler turns the queued event into an asset-triggered run of the training DAG.
    scheduler = subprocess.Popen(
        [AIRFLOW, "scheduler"], env=env, stdout=(root / "scheduler.log").open("w"), stderr=subprocess.STDOUT
    )
    try:
        deadline, run_types = time.monotonic() + 90, set()
        while time.monotonic() < deadline and "asset_triggered" not in run_types:
            time.sleep(1)
            rows = _metadata(settings, "SELECT run_type FROM dag_run WHERE dag_id = :dag", dag=f"train_{name}")
            run_types = {r.run_type for r in rows}
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=30)
    # (The cron half of the schedule may add a "scheduled" run of its own; the drift event adds this one.)
    assert "asset_triggered" in run_types, (root / "scheduler.log").read_text()[-3000:]
