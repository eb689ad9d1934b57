"""A minimal BentoML service configured exactly as the endpoint is by `serving.tracing` (used by test_tracing)."""

import bentoml

from serving.tracing import span, tracing_config
from shadowloop.settings import get_settings


@bentoml.service(name="tracing-probe", workers=1, tracing=tracing_config(get_settings()))
class Probe:
    @bentoml.api
    def echo(self, text: str) -> str:
        with span("model.predict", records=1):
            return text
