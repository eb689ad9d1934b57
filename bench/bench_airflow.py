"""Airflow: time from trigger to registered model for the demo, and the gap between one task's end and the next
task's start, on the embedded stack (SQLite, LocalExecutor) started in a scratch folder on free ports."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from model_registry.server import start_server, stop_server
from pipelines.demo_data import generate_fraud
from shadowloop.airflow_server import AirflowApi, airflow_daemon, migrate
from shadowloop.settings import Settings
from tests.fixtures.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["ingest", "validate", "features", "train", "evaluate", "register"]


def _stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def run() -> str:
    scratch = Path(tempfile.mkdtemp(prefix="bench-airflow-"))
    (scratch / "specs").mkdir()
    shutil.copy(ROOT / "specs" / "fraud.yaml", scratch / "specs")
    mlflow_port = free_port()
    settings = Settings(
        home=scratch / "state",
        specs_dir=scratch / "specs",
        data_root=scratch,
        mlflow_port=mlflow_port,
        mlflow_tracking_uri=f"http://127.0.0.1:{mlflow_port}",
        airflow_port=free_port(),
        airflow_use_schedules=False,
        airflow_admin_password="bench-password-0123456789",
    )
    data = scratch / "data" / "demo" / "fraud.csv"
    data.parent.mkdir(parents=True)
    generate_fraud(rows=20_000).to_csv(data, index=False)
    airflow = airflow_daemon(settings)
    try:
        start_server(settings)
        migrate(settings)
        airflow.start(timeout=300)
        api = AirflowApi(settings)
        api.wait_for_dag("train_fraud")
        started = time.perf_counter()
        run_id = api.trigger("train_fraud")
        state = api.wait("train_fraud", run_id)
        total = time.perf_counter() - started
        response = api._client.get(
            f"/api/v2/dags/train_fraud/dagRuns/{run_id}/taskInstances", headers=api._headers()
        ).json()
    finally:
        airflow.stop()
        stop_server(settings)
    tasks = {t["task_id"]: t for t in response["task_instances"]}
    gaps = [
        (_stamp(tasks[b]["start_date"]) - _stamp(tasks[a]["end_date"])).total_seconds()
        for a, b in zip(ORDER, ORDER[1:], strict=False)
    ]
    durations = {t: (_stamp(tasks[t]["end_date"]) - _stamp(tasks[t]["start_date"])).total_seconds() for t in ORDER}
    shutil.rmtree(scratch, ignore_errors=True)
    return "\n".join(
        [
            "## Airflow: trigger to registered model",
            "",
            "The fraud DAG (20,000 rows) triggered through the REST API on the embedded stack (`airflow standalone`, "
            "SQLite, LocalExecutor, parallelism 4) with a fresh MLflow server. Goal for the gap: 1 s or less.",
            "",
            f"- run state: **{state}**; trigger to registered model: **{total:.1f} s**",
            f"- gap between a task's end and the next task's start: median **{statistics.median(gaps):.2f} s**, "
            f"max {max(gaps):.2f} s ({', '.join(f'{g:.2f}' for g in gaps)})",
            "- task durations (s): " + ", ".join(f"{t} {d:.1f}" for t, d in durations.items()),
        ]
    )
