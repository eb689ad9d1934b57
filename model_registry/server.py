"""The local MLflow tracking server: start, stop and status of one `mlflow server` process.

Embedded profile: SQLite store and local artifacts under the state folder. Production profile: the same
command pointed at PostgreSQL and S3 by settings, with `--app-name basic-auth`. Low-memory flags either way
(one worker, no job runner: about 380 MiB instead of 2 GiB).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from model_registry.connection import is_reachable
from shadowloop.settings import Settings, get_settings

START_TIMEOUT_S = 90.0


class ServerError(RuntimeError):
    """The tracking server cannot be started or stopped; the message says why and what to do."""


@dataclass(frozen=True)
class ServerStatus:
    url: str
    pid: int | None
    healthy: bool
    log_path: Path


def _state_dir(settings: Settings) -> Path:
    return settings.home.resolve() / "mlflow"


def pid_path(settings: Settings) -> Path:
    return _state_dir(settings) / "server.pid"


def log_path(settings: Settings) -> Path:
    return _state_dir(settings) / "server.log"


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


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _read_pid(settings: Settings) -> int | None:
    try:
        pid = int(pid_path(settings).read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    cmdline = Path(f"/proc/{pid}/cmdline")
    # A recycled pid that now belongs to some other program is not our server.
    if cmdline.exists() and b"mlflow" not in cmdline.read_bytes():
        return None
    return pid


def _alive(pid: int) -> bool:
    try:
        # Reap it if it is our own child (the tests start servers in-process), else it lingers as a zombie.
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _url(settings: Settings) -> str:
    return f"http://{settings.mlflow_host}:{settings.mlflow_port}"


def server_status(settings: Settings | None = None) -> ServerStatus:
    """Whether our server process is alive (from its pid file) and whether the URL answers."""
    settings = settings or get_settings()
    url = _url(settings)
    return ServerStatus(url, _read_pid(settings), is_reachable(url), log_path(settings))


def start_server(settings: Settings | None = None, timeout: float = START_TIMEOUT_S) -> ServerStatus:
    """Start the server in the background and wait until it answers /health.

    Raises:
        ServerError: the port is taken by another process, or the server exited or did not answer in time.
    """
    settings = settings or get_settings()
    status = server_status(settings)
    if status.pid is not None:
        return status
    host, port = settings.mlflow_host, settings.mlflow_port
    if port_in_use(host, port):
        raise ServerError(
            f"port {port} on {host} is already in use by another process (not ours: no live pid file); "
            "stop it or set SHADOWLOOP_MLFLOW_PORT and SHADOWLOOP_MLFLOW_TRACKING_URI"
        )
    _state_dir(settings).mkdir(parents=True, exist_ok=True)
    if not settings.mlflow_artifacts_destination.startswith(("s3://", "gs://", "wasbs://")):
        Path(settings.mlflow_artifacts_destination).mkdir(parents=True, exist_ok=True)
    with log_path(settings).open("ab") as log:
        # A session of its own, so stop() can end the server and its worker together.
        process = subprocess.Popen(
            server_command(settings), stdout=log, stderr=subprocess.STDOUT, env=server_env(settings),
            start_new_session=True, cwd=_state_dir(settings),
        )  # fmt: skip
    pid_path(settings).write_text(str(process.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pid_path(settings).unlink(missing_ok=True)
            raise ServerError(f"mlflow server exited with code {process.returncode}; see {log_path(settings)}")
        if is_reachable(_url(settings), timeout=1.0):
            return server_status(settings)
        time.sleep(0.3)
    stop_server(settings)
    raise ServerError(f"mlflow server did not answer within {timeout:.0f}s; see {log_path(settings)}")


def stop_server(settings: Settings | None = None, timeout: float = 15.0) -> bool:
    """Stop our server (SIGTERM to its session, SIGKILL after `timeout`); False if none was running."""
    settings = settings or get_settings()
    pid = _read_pid(settings)
    if pid is None:
        pid_path(settings).unlink(missing_ok=True)
        return False
    try:
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                break
            time.sleep(0.2)
        else:
            os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    pid_path(settings).unlink(missing_ok=True)
    return True
