"""One place that points MLflow at the tracking server, with short timeouts so a dead server fails fast."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from shadowloop.settings import Settings, get_settings

if TYPE_CHECKING:
    from mlflow import MlflowClient

# MLflow reads these from the environment on every request. Its defaults (7 retries with backoff factor 2,
# 120 s timeout) turn a dead server into minutes of silence; ours give up within seconds. setdefault keeps
# an operator's explicit choice.
_MLFLOW_CLIENT_ENV = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0.2",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
    "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
}
HEALTH_TIMEOUT_S = 2.0


class TrackingServerUnavailable(RuntimeError):
    """The MLflow tracking server does not answer; the message says where we looked and how to start one."""


def configure_client_env() -> None:
    """Apply the fail-fast client settings before MLflow makes its first request."""
    for key, value in _MLFLOW_CLIENT_ENV.items():
        os.environ.setdefault(key, value)


def is_reachable(uri: str, timeout: float = HEALTH_TIMEOUT_S) -> bool:
    """Whether an http(s) tracking server answers its health check (other stores count as reachable)."""
    if not uri.startswith(("http://", "https://")):
        return True
    try:
        with urllib.request.urlopen(f"{uri.rstrip('/')}/health", timeout=timeout) as response:
            return bool(200 <= response.status < 300)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def require_server(settings: Settings | None = None) -> str:
    """The tracking URI, after checking that the server answers; raises TrackingServerUnavailable otherwise."""
    settings = settings or get_settings()
    uri = settings.mlflow_tracking_uri
    if not is_reachable(uri):
        raise TrackingServerUnavailable(
            f"MLflow tracking server at {uri} is not reachable (no answer to /health within {HEALTH_TIMEOUT_S:.0f}s). "
            "Start the local one with `shadowloop mlflow start`, or set SHADOWLOOP_MLFLOW_TRACKING_URI."
        )
    return uri


def tracking_client(settings: Settings | None = None) -> MlflowClient:
    """An MlflowClient for the configured server, failing fast when it is down."""
    configure_client_env()
    uri = require_server(settings)
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def model_name(project: str) -> str:
    """The registered model name of a project (one registered model per spec)."""
    return project
