"""OpenTelemetry tracing through a real `bentoml serve`, exported over OTLP/HTTP to a collector on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from serving.tracing import tracing_config
from shadowloop.settings import Settings
from tests.fixtures.ports import free_port, wait_http

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
BENTOML = str(Path(sys.executable).with_name("bentoml"))


def test_tracing_is_off_unless_enabled() -> None:
    assert tracing_config(Settings()) == {}
    config = tracing_config(Settings(tracing_enabled=True, tracing_otlp_endpoint="http://127.0.0.1:1/v1/traces"))
    assert config["exporter_type"] == "otlp" and config["otlp"]["endpoint"] == "http://127.0.0.1:1/v1/traces"


@pytest.fixture
def collector() -> Iterator[tuple[str, list[str], list[str]]]:
    """A tiny OTLP/HTTP trace receiver: records every span name and trace id it is sent."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
        ExportTraceServiceResponse,
    )

    names: list[str] = []
    trace_ids: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            request = ExportTraceServiceRequest.FromString(self.rfile.read(int(self.headers["Content-Length"])))
            for resource in request.resource_spans:
                for scope in resource.scope_spans:
                    names.extend(s.name for s in scope.spans)
                    trace_ids.extend(s.trace_id.hex() for s in scope.spans)
            body = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1/traces", names, trace_ids
    server.shutdown()


def test_a_request_is_traced_through_the_endpoint(collector, tmp_path: Path) -> None:
    endpoint, names, trace_ids = collector
    port = free_port()
    env = dict(os.environ) | {
        "SHADOWLOOP_HOME": str(tmp_path),
        "SHADOWLOOP_TRACING_ENABLED": "true",
        "SHADOWLOOP_TRACING_OTLP_ENDPOINT": endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "200",  # export spans within 0.2 s instead of 5 s
        "BENTOML_HOME": str(tmp_path / "bentoml"),
        "BENTOML_DO_NOT_TRACK": "true",
    }
    command = [BENTOML, "serve", "tests.integration.tracing_probe:Probe", "--host", "127.0.0.1", "--port", str(port)]
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/readyz", timeout=90, process=process)
        response = httpx.post(f"http://127.0.0.1:{port}/echo", json={"text": "hi"}, timeout=10)
        assert response.status_code == 200
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "model.predict" not in names:
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    assert "model.predict" in names, (tmp_path / "serve.log").read_text()[-3000:]
    assert any(n.startswith("POST /echo") for n in names), names
    # The child span belongs to the request's trace, and probes are not traced.
    assert len(set(trace_ids)) == 1
