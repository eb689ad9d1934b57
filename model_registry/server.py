"""The local MLflow tracking server: start, stop and status of one `mlflow server` process.

Embedded profile: SQLite store and local artifacts under the state folder. Production profile: the same
command pointed at PostgreSQL and S3 by settings, with `--app-name basic-auth`. Low-memory flags either way
(one worker, no job runner: about 380 MiB instead of 2 GiB).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from model_registry.connection import is_reachable
from shadowloop.daemon import Daemon, DaemonError
from shadowloop.settings import Settings, get_settings

START_TIMEOUT_S = 90.0
ServerError = DaemonError  # the tracking server cannot be started; the message says why and what to do


@dataclass(frozen=True)
class ServerStatus:
    url: str
    pid: int | None
    healthy: bool
    log_path: Path


def _state_dir(settings: Settings) -> Path:
    return settings.home.resolve() / "mlflow"


def _url(settings: Settings) -> str:
    return f"http://{settings.mlflow_host}:{settings.mlflow_port}"


def server_command(settings: Settings, host: str | None = None, port: int | None = None) -> list[str]:
    """The `mlflow server` command line for the settings' profile."""
    command = [
        sys.executable, "-m", "mlflow", "server",
        "--backend-store-uri", settings.mlflow_backend_store_uri,
        "--artifacts-destination", settings.mlflow_artifacts_destination,
        "--host", host or settings.mlflow_host,
        "--port", str(port or settings.mlflow_port),
        "--workers", "1",
    ]  # fmt: skip
    if settings.profile == "production":
        command += ["--app-name", "basic-auth"]
    return command


def server_env(settings: Settings) -> dict[str, str]:
    """The server's environment: no job runner (saves about 1.5 GiB), no telemetry, the S3 endpoint if any."""
    env = dict(os.environ)
    env |= {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false", "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    if settings.s3_endpoint_url:
        env["MLFLOW_S3_ENDPOINT_URL"] = settings.s3_endpoint_url
    return env


def mlflow_daemon(settings: Settings) -> Daemon:
    """The server as a daemon of the stack: pid file and log under `<home>/mlflow/`."""
    return Daemon(
        name="mlflow server",
        file_stem="server",
        command=server_command(settings),
        health_url=f"{_url(settings)}/health",
        host=settings.mlflow_host,
        port=settings.mlflow_port,
        state_dir=_state_dir(settings),
        env=server_env(settings),
        cwd=_state_dir(settings),
        marker="mlflow",
    )


def pid_path(settings: Settings) -> Path:
    return mlflow_daemon(settings).pid_file


def log_path(settings: Settings) -> Path:
    return mlflow_daemon(settings).log_file


def server_status(settings: Settings | None = None) -> ServerStatus:
    """Whether our server process is alive (from its pid file) and whether the URL answers."""
    settings = settings or get_settings()
    daemon = mlflow_daemon(settings)
    return ServerStatus(_url(settings), daemon.pid(), is_reachable(_url(settings)), daemon.log_file)


def start_server(settings: Settings | None = None, timeout: float = START_TIMEOUT_S) -> ServerStatus:
    """Start the server in the background and wait until it answers /health.

    Raises:
        ServerError: the port is taken by another process, or the server exited or did not answer in time.
    """
    settings = settings or get_settings()
    if not settings.mlflow_artifacts_destination.startswith(("s3://", "gs://", "wasbs://")):
        Path(settings.mlflow_artifacts_destination).mkdir(parents=True, exist_ok=True)
    mlflow_daemon(settings).start(timeout)
    return server_status(settings)


def stop_server(settings: Settings | None = None, timeout: float = 15.0) -> bool:
    """Stop our server (SIGTERM to its session, SIGKILL after `timeout`); False if none was running."""
    return mlflow_daemon(settings or get_settings()).stop(timeout)
