"""The registry's command line: server lifecycle, `run --register`, promote, rollback, history."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shadowloop import cli, cli_registry
from shadowloop.settings import Settings, get_settings
from tests.fixtures.mlflow_server import ROOT
from tests.fixtures.ports import free_port

pytestmark = pytest.mark.integration
runner = CliRunner()


def _local_server_env(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    monkeypatch.setenv("SHADOWLOOP_MLFLOW_PORT", str(port))
    monkeypatch.setenv("SHADOWLOOP_MLFLOW_TRACKING_URI", f"http://127.0.0.1:{port}")
    get_settings.cache_clear()


def test_start_status_stop_and_port_in_use(isolated_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        _local_server_env(monkeypatch, taken.getsockname()[1])
        refused = runner.invoke(cli_registry.app, ["start"])
        assert refused.exit_code == 1 and "already in use by another process" in refused.output

    _local_server_env(monkeypatch, free_port())
    started = runner.invoke(cli_registry.app, ["start"])
    try:
        assert started.exit_code == 0, started.output
        assert "mlflow server up" in started.output
        assert (isolated_state / "mlflow.db").exists() and (isolated_state / "mlflow" / "server.pid").exists()
        assert runner.invoke(cli_registry.app, ["status"]).exit_code == 0
    finally:
        stopped = runner.invoke(cli_registry.app, ["stop"])
    assert "stopped" in stopped.output
    assert not (isolated_state / "mlflow" / "server.pid").exists()
    assert runner.invoke(cli_registry.app, ["status"]).exit_code == 1


def test_run_register_then_promote_rollback_and_history(
    mlflow_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").symlink_to(ROOT / "specs")
    name = f"fraud{int(time.time() * 1000) % 10**8}"
    data = ["generate-data", "--out", "data/demo/fraud.csv", "--rows", "3000"]
    assert runner.invoke(cli.app, data).exit_code == 0
    quick = ["--set", f"name={name}", "--set", "model.params.max_iter=30", "--device", "cpu"]

    first = runner.invoke(cli.app, ["run", "specs/fraud.yaml", *quick], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert f"registered {name} v1" in first.output and ": champion" in first.output
    second = runner.invoke(cli.app, ["run", "specs/fraud.yaml", *quick, "--set", "split.seed=7"])
    assert f"registered {name} v2" in second.output, second.output

    promoted = runner.invoke(cli_registry.app, ["promote", name, "2", "--reason", "manual", "--actor", "carol"])
    assert promoted.exit_code == 0 and "champion 1 -> 2 (carol)" in promoted.output, promoted.output
    rolled = runner.invoke(cli_registry.app, ["rollback", name, "-r", "bad latency", "--actor", "dave"])
    assert rolled.exit_code == 0 and "rolled back champion 2 -> 1 (dave)" in rolled.output, rolled.output
    shown = runner.invoke(cli_registry.app, ["history", name], terminal_width=200)
    assert shown.exit_code == 0
    assert "bad latency" in shown.output and "carol" in shown.output and "champion -> v1" in shown.output
    again = runner.invoke(cli_registry.app, ["rollback", name, "-r", "again"])
    assert again.exit_code == 1 and "no `previous` version" in again.output


def test_run_with_register_fails_fast_when_the_server_is_down(
    isolated_state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _local_server_env(monkeypatch, free_port())
    started = time.monotonic()
    result = runner.invoke(cli.app, ["run", str(ROOT / "specs" / "fraud.yaml"), "--register"])
    assert result.exit_code == 4 and "not reachable" in result.output
    assert time.monotonic() - started < 10


def test_production_profile_is_postgres_s3_and_basic_auth_by_settings_only(tmp_path: Path) -> None:
    from model_registry.server import server_command, server_env

    secret = "s" * 24
    settings = Settings(
        profile="production",
        home=tmp_path,
        api_token=secret,
        admin_token=secret,
        airflow_admin_password=secret,
        mlflow_backend_store_uri="postgresql://mlflow@127.0.0.1:5432/mlflow",
        mlflow_artifacts_destination="s3://lake/mlflow",
        s3_endpoint_url="http://127.0.0.1:9000",
    )
    command = server_command(settings)
    assert command[command.index("--backend-store-uri") + 1] == "postgresql://mlflow@127.0.0.1:5432/mlflow"
    assert command[command.index("--artifacts-destination") + 1] == "s3://lake/mlflow"
    assert command[command.index("--app-name") + 1] == "basic-auth"
    assert command[command.index("--host") + 1] == "127.0.0.1" and "--workers" in command
    env = server_env(settings)
    assert env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] == "false" and env["MLFLOW_DISABLE_TELEMETRY"] == "true"
    assert env["MLFLOW_S3_ENDPOINT_URL"] == "http://127.0.0.1:9000"
    assert "--app-name" not in server_command(Settings(home=tmp_path))
