"""The environment an Airflow process of this project runs with, derived from the settings.

Airflow reads its own `AIRFLOW__*` variables; this is the one place that sets them, so `make up`, the tests and
`airflow dags test` all see the same configuration.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from shadowloop.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
ADMIN_USER = "admin"


def airflow_env(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    """`base` (the current environment by default) plus Airflow's configuration for this project."""
    assert settings.airflow_home is not None
    home = settings.airflow_home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    passwords = home / "simple_auth_manager_passwords.json"
    passwords.write_text(json.dumps({ADMIN_USER: settings.airflow_admin_password.get_secret_value()}))
    passwords.chmod(0o600)
    api = f"http://127.0.0.1:{settings.airflow_port}"
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            # The default of 32 forks 32 workers; 2-core machines want a handful.
            "AIRFLOW__CORE__PARALLELISM": str(settings.airflow_parallelism),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": settings.airflow_database_url,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(settings.airflow_port),
            "AIRFLOW__API__BASE_URL": api,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN_USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "10",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            # Task processes import our packages from the checkout and read relative data paths from it.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH", "")])),
            "MLFLOW_DISABLE_TELEMETRY": "true",
            "NO_PROXY": "127.0.0.1,localhost",
        }
    )
    # Task processes rebuild the same settings from these (paths made absolute: tasks run elsewhere).
    env.update(settings.to_env())
    return env
