"""Drive a real Airflow (its CLI, `airflow dags test`) with the environment the project derives from settings."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from shadowloop.airflow_env import airflow_env
from shadowloop.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def write_spec(folder: Path, name: str, overrides: dict[str, Any] | None = None) -> Path:
    """A copy of the fraud spec under another project name (each test owns its registered model)."""
    import yaml

    from shadowloop.spec import load_spec

    spec = load_spec(ROOT / "specs" / "fraud.yaml").with_overrides({"name": name, **(overrides or {})})
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec.model_dump(mode="json", by_alias=True)))
    return path


def env_for(settings: Settings, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = airflow_env(settings)
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"  # Airflow starts children as `airflow`
    return env | (extra or {})


def migrate(env: dict[str, str]) -> None:
    result = subprocess.run([AIRFLOW, "db", "migrate"], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def dags_test(env: dict[str, str], dag_id: str, conf: dict[str, Any], log: Path) -> int:
    """Run one DAG run in-process with `airflow dags test`; returns its exit code and keeps the whole log."""
    with log.open("w") as sink:
        result = subprocess.run(
            [AIRFLOW, "dags", "test", dag_id, "-c", json.dumps(conf)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            timeout=600,
            cwd=ROOT,
        )
    return result.returncode


def task_test(env: dict[str, str], dag_id: str, task_id: str, run_id: str) -> str:
    """Run one task of an existing DAG run again (`airflow tasks test`), as a retry or a cleared task would."""
    result = subprocess.run(
        [AIRFLOW, "tasks", "test", dag_id, task_id, run_id], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def run_id_from_log(log: Path) -> str:
    """The run id `airflow dags test` created, read from its "DagRun Finished" line."""
    match = re.search(r"DagRun Finished: .*?run_id=([^,]+),", log.read_text())
    assert match, f"no finished dag run in {log}"
    return match.group(1)


def task_states(env: dict[str, str], dag_id: str, run_id: str) -> dict[str, str]:
    result = subprocess.run(
        [AIRFLOW, "tasks", "states-for-dag-run", dag_id, run_id, "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = json.loads(result.stdout[result.stdout.index("[") :])
    return {row["task_id"]: row["state"] for row in rows}
