"""The audit trail of alias moves: who, when, why, from which version to which.

Each event is one registered-model tag `audit.<UTC time>.<action>` holding JSON, so the trail is visible in the
MLflow UI and concurrent writers never overwrite each other; the versions involved get `audit.*` tags too.
"""

from __future__ import annotations

import getpass
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlflow import MlflowClient

PREFIX = "audit."


@dataclass(frozen=True)
class AuditEvent:
    """One alias move on a registered model."""

    action: str
    alias: str
    from_version: str | None
    to_version: str | None
    actor: str
    reason: str
    at: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AuditEvent:
        data: dict[str, Any] = json.loads(text)
        fields: dict[str, Any] = {k: data.get(k) for k in cls.__dataclass_fields__}
        return cls(**fields)


def default_actor() -> str:
    """The local user name, for commands run by a person."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record(client: MlflowClient, name: str, event: AuditEvent) -> None:
    """Append the event to the registered model's trail and tag the version it moved to."""
    stamp = event.at.replace(":", "").replace("-", "")
    client.set_registered_model_tag(name, f"{PREFIX}{stamp}.{event.action}", event.to_json())
    if event.to_version:
        for key, value in {
            f"{event.action}.at": event.at,
            f"{event.action}.by": event.actor,
            f"{event.action}.reason": event.reason,
            f"{event.action}.from_version": event.from_version or "",
        }.items():
            client.set_model_version_tag(name, event.to_version, f"{PREFIX}{key}", value)


def history(client: MlflowClient, name: str) -> list[AuditEvent]:
    """Every recorded event of a registered model, oldest first."""
    tags = client.get_registered_model(name).tags
    events = [AuditEvent.from_json(v) for k, v in tags.items() if k.startswith(PREFIX)]
    return sorted(events, key=lambda e: e.at)
