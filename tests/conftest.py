"""Shared fixtures: every test gets its own state folder, and no test touches the user's home."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Importing airflow without AIRFLOW_HOME creates ~/airflow; give the test session its own, before any import.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="shadowloop-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

# Process fixtures (servers started by the tests) live in tests/fixtures and are shared by every tier.
pytest_plugins: list[str] = [
    "tests.fixtures.mlflow_server",
    "tests.fixtures.s3_server",
    "tests.fixtures.postgres_server",
]


@pytest.fixture(autouse=True)
def isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the settings at a fresh folder; the cached settings object is rebuilt for each test."""
    from shadowloop.settings import Settings, get_settings

    monkeypatch.setitem(Settings.model_config, "env_file", None)  # a developer's .env must not leak into tests
    home = tmp_path / "state"
    monkeypatch.setenv("SHADOWLOOP_HOME", str(home))
    # No test may reach a developer's MLflow on :5000; tests that want a server use the `mlflow_settings` fixture.
    monkeypatch.setenv("SHADOWLOOP_MLFLOW_TRACKING_URI", "http://127.0.0.1:9")
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("DO_NOT_TRACK", "true")
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()
