"""Who may call what: pure functions over the request line and the Authorization header."""

from __future__ import annotations

import hmac
from typing import Literal

Role = Literal["open", "api", "admin"]

# Health, readiness, metrics and the OpenAPI docs stay open so probes and scrapers need no secret.
OPEN_GET_PREFIXES = ("/healthz", "/livez", "/readyz", "/metrics", "/docs", "/static_content", "/schema")


def required_role(method: str, path: str) -> Role:
    """The role a request needs. Anything not known to be open needs a token (deny by default)."""
    if path.startswith("/admin"):
        return "admin"
    if method in ("GET", "HEAD", "OPTIONS") and (path == "/" or path.startswith(OPEN_GET_PREFIXES)):
        return "open"
    return "api"


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def is_authorized(role: Role, authorization: str | None, api_token: str, admin_token: str) -> bool:
    """Constant-time check of the bearer token against the role's secret (admin may also predict)."""
    if role == "open":
        return True
    token = bearer_token(authorization)
    if token is None:
        return False
    candidates = [admin_token] if role == "admin" else [api_token, admin_token]
    # Compare against every candidate so timing does not reveal which one matched.
    results = [hmac.compare_digest(token.encode(), secret.encode()) for secret in candidates]
    return any(results)
