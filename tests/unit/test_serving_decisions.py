"""Pure decisions of the endpoint: who may call what, and what to answer when the champion cannot."""

from __future__ import annotations

import pytest

from serving.auth import bearer_token, is_authorized, required_role
from serving.fallback import decide

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("POST", "/predict", "api"),
        ("POST", "/admin/reload", "admin"),
        ("GET", "/admin/anything", "admin"),
        ("GET", "/readyz", "open"),
        ("GET", "/livez", "open"),
        ("GET", "/metrics", "open"),
        ("GET", "/docs.json", "open"),
        ("GET", "/", "open"),
        ("POST", "/readyz", "api"),
        ("POST", "/something-new", "api"),
        ("GET", "/something-new", "api"),
    ],
)
def test_required_role(method: str, path: str, role: str) -> None:
    assert required_role(method, path) == role


@pytest.mark.parametrize(
    ("role", "header", "allowed"),
    [
        ("open", None, True),
        ("api", None, False),
        ("api", "Bearer api-secret", True),
        ("api", "bearer api-secret", True),
        ("api", "Bearer admin-secret", True),
        ("api", "Basic api-secret", False),
        ("api", "Bearer ", False),
        ("api", "Bearer wrong", False),
        ("admin", "Bearer api-secret", False),
        ("admin", "Bearer admin-secret", True),
    ],
)
def test_is_authorized(role: str, header: str | None, allowed: bool) -> None:
    assert is_authorized(role, header, "api-secret", "admin-secret") is allowed  # type: ignore[arg-type]


def test_bearer_token_parsing() -> None:
    assert bearer_token("Bearer  abc ") == "abc"
    assert bearer_token("abc") is None


@pytest.mark.parametrize(
    ("ok", "misses", "fallback", "action", "degraded"),
    [
        (True, 3, False, "model", False),
        (True, 0, False, "model", False),
        (False, 0, False, "cache", True),
        (False, 2, True, "fallback_model", True),
        (False, 2, False, "unavailable", True),
    ],
)
def test_fallback_decision(ok: bool, misses: int, fallback: bool, action: str, degraded: bool) -> None:
    decision = decide(ok, misses, fallback, "" if ok else "timeout")
    assert (decision.action, decision.degraded) == (action, degraded)
