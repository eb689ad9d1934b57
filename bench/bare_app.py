"""The framework-tax baseline: a bare ASGI app that parses and validates the same request body with the same
spec-derived pydantic model and answers a constant, with no BentoML in between.

    uvicorn bench.bare_app:app --host 127.0.0.1 --port 3001
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field, ValidationError, create_model

from serving.request_schema import record_model
from shadowloop.spec import load_spec

SPEC = load_spec("specs/fraud.yaml")
Record = record_model(SPEC)
Body: type[BaseModel] = create_model(
    "Body",
    records=(list[Record], Field(min_length=1, max_length=SPEC.serving.max_records_per_request)),  # type: ignore[valid-type]
)
ANSWER = {"prediction": 0, "probabilities": {"0": 1.0, "1": 0.0}, "source": "model"}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    try:
        body = Body.model_validate_json(b"".join(chunks))
        status, payload = (
            200,
            {
                "request_id": "0",
                "model_name": "fraud",
                "model_version": "noop",
                "degraded": False,
                "predictions": [ANSWER] * len(body.records),
            },
        )  # type: ignore[attr-defined]
    except ValidationError as error:
        status, payload = 400, {"detail": error.errors(include_context=False, include_input=False)}
    raw = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": raw})
