"""The local Airflow (`airflow standalone`: api-server, scheduler, dag-processor, triggerer) and its REST API."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from shadowloop.airflow_env import ADMIN_USER, airflow_env
from shadowloop.daemon import Daemon
from shadowloop.settings import Settings

AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def airflow_daemon(settings: Settings) -> Daemon:
    env = airflow_env(settings)
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"  # standalone starts children as `airflow`
    assert settings.airflow_home is not None
    return Daemon(
        name="airflow",
        command=[AIRFLOW, "standalone"],
        health_url=f"http://127.0.0.1:{settings.airflow_port}/api/v2/monitor/health",
        host="127.0.0.1",
        port=settings.airflow_port,
        state_dir=settings.home.resolve() / "run",
        env=env,
        cwd=settings.airflow_home.resolve(),
        marker="airflow",
    )


def migrate(settings: Settings) -> None:
    """Create or upgrade the metadata database (idempotent)."""
    result = subprocess.run(
        [AIRFLOW, "db", "migrate"], env=airflow_env(settings), capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


class AirflowApi:
    """The few REST calls the stack needs: a JWT from /auth/token, trigger a run, read its state."""

    def __init__(self, settings: Settings):
        self.base = f"http://127.0.0.1:{settings.airflow_port}"
        self.password = settings.airflow_admin_password.get_secret_value()
        self._client = httpx.Client(base_url=self.base, timeout=30)
        self._token: str | None = None

    def _headers(self) -> dict[str, str]:
        if self._token is None:
            response = self._client.post("/auth/token", json={"username": ADMIN_USER, "password": self.password})
            response.raise_for_status()
            self._token = response.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> None:
        """Wait until the dag-processor has parsed the DAG (a fresh stack needs a few seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._client.get(f"/api/v2/dags/{dag_id}", headers=self._headers()).status_code == 200:
                return
            time.sleep(2)
        raise TimeoutError(f"DAG {dag_id} did not appear in Airflow within {timeout:.0f}s")

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        self._client.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": False}, headers=self._headers())
        response = self._client.post(
            f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}}, headers=self._headers()
        )
        response.raise_for_status()
        return str(response.json()["dag_run_id"])

    def run_state(self, dag_id: str, run_id: str) -> str:
        response = self._client.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}", headers=self._headers())
        response.raise_for_status()
        return str(response.json()["state"])

    def wait(self, dag_id: str, run_id: str, timeout: float = 900) -> str:
        """Poll until the run ends; returns its final state."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.run_state(dag_id, run_id)
            if state in ("success", "failed"):
                return state
            time.sleep(2)
        raise TimeoutError(f"{dag_id} run {run_id} did not finish within {timeout:.0f}s")

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        response = self._client.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", headers=self._headers())
        response.raise_for_status()
        return {t["task_id"]: t["state"] for t in response.json()["task_instances"]}
