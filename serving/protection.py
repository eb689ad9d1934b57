"""The ASGI guard in front of every route: content type, bearer auth, body cap and concurrency cap.

Pure ASGI (no BaseHTTPMiddleware) so it adds microseconds, not milliseconds, and so it can refuse a request
before its body is read. Every refusal is JSON with a `detail` naming the problem.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from serving.auth import is_authorized, required_role
from serving.metrics import active_metrics

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

JSON_TYPES = ("application/json", "")
LIMITED_PATHS = ("/predict",)


class _BodyTooLarge(Exception):
    pass


class ProtectionMiddleware:
    """Refuses what must not reach the service.

    Args:
        app: The wrapped ASGI app.
        api_token: Secret for predict calls.
        admin_token: Secret for admin calls (also accepted for predict).
        max_body_bytes: Larger bodies are answered 413.
        max_in_flight: Concurrent predict calls beyond this are answered 429.
    """

    def __init__(self, app: ASGIApp, api_token: str, admin_token: str, max_body_bytes: int, max_in_flight: int):
        self.app = app
        self.api_token = api_token
        self.admin_token = admin_token
        self.max_body_bytes = max_body_bytes
        self.max_in_flight = max_in_flight
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _counting(send)
        method, path = scope["method"], scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        role = required_role(method, path)
        if not is_authorized(role, headers.get("authorization"), self.api_token, self.admin_token):
            await _refuse(send, 401, f"a valid bearer token is required for {path}", {"WWW-Authenticate": "Bearer"})
            return
        if role == "open":
            await self.app(scope, receive, send)
            return
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if method == "POST" and content_type not in JSON_TYPES:
            # Pickle (BentoML's internal format) and anything else but JSON never reach a deserializer.
            await _refuse(send, 415, f"content type {content_type!r} is not accepted; send application/json")
            return
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await _refuse(send, 413, f"request body over {self.max_body_bytes} bytes")
            return
        limited = path in LIMITED_PATHS
        if limited and self.in_flight >= self.max_in_flight:
            await _refuse(send, 429, f"more than {self.max_in_flight} requests in flight", {"Retry-After": "1"})
            return
        if limited:
            self.in_flight += 1
        try:
            if declared is None:
                # Chunked upload: read it under the cap before the app sees any of it.
                try:
                    body = await _read_capped(receive, self.max_body_bytes)
                except _BodyTooLarge:
                    await _refuse(send, 413, f"request body over {self.max_body_bytes} bytes")
                    return
                receive = _replay(body, receive)
            await self.app(scope, receive, send)
        finally:
            if limited:
                self.in_flight -= 1


def _counting(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            metrics = active_metrics()
            if metrics is not None:
                metrics.responses.labels(metrics.project, str(message["status"])).inc()
        await send(message)

    return wrapped


async def _refuse(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"error": detail, "detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _read_capped(receive: Receive, cap: int) -> bytes:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            raise _BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
