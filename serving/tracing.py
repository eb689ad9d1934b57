"""OpenTelemetry tracing of endpoint requests, switched on by the settings (`SHADOWLOOP_TRACING_ENABLED`).

BentoML already wraps its ASGI app in OpenTelemetry's middleware and exports through the tracer provider it
builds from the service's `tracing` configuration; this module only turns our settings into that configuration
(OTLP over HTTP to any collector: Jaeger, Tempo, the OpenTelemetry Collector), so there is no second tracing
stack to keep. `span` adds child spans (e.g. around the model call) to the request's trace.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from shadowloop.settings import Settings


def tracing_config(settings: Settings) -> dict[str, Any]:
    """The `tracing` argument of `@bentoml.service`: OTLP/HTTP export when enabled, nothing otherwise."""
    if not settings.tracing_enabled:
        return {}
    return {
        "exporter_type": "otlp",
        "sample_rate": settings.tracing_sample_rate,
        # Probes and scrapes would drown the request traces.
        "excluded_urls": ["/readyz", "/livez", "/healthz", "/metrics"],
        "otlp": {"protocol": "http", "endpoint": settings.tracing_otlp_endpoint, "http": {}},
    }


def _tracer() -> Any:
    from opentelemetry import trace

    try:
        # BentoML keeps its provider to itself (it never sets the global one); spans must come from it to join
        # the request's trace.
        from bentoml._internal.configuration.containers import BentoMLContainer

        return BentoMLContainer.tracer_provider.get().get_tracer("shadowloop.serving")
    except Exception:  # outside a BentoML worker: the global (no-op unless configured) provider
        return trace.get_tracer("shadowloop.serving")


@contextlib.contextmanager
def span(name: str, **attributes: str | int | float | bool) -> Iterator[None]:
    """A child span of the current request's trace (a no-op when tracing is off)."""
    with _tracer().start_as_current_span(name, attributes=attributes):
        yield
