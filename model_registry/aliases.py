"""Alias moves: champion serves, challenger shadows, previous is the rollback target. Each move is audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from model_registry.audit import PREFIX, AuditEvent, now_utc, record

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

CHAMPION, CHALLENGER, PREVIOUS = "champion", "challenger", "previous"
ALIASES = (CHAMPION, CHALLENGER, PREVIOUS)


class AliasError(RuntimeError):
    """An alias move that cannot be made, e.g. a rollback with no previous version."""


def alias_version(client: MlflowClient, name: str, alias: str) -> str | None:
    """The version an alias points at, or None when it is unset."""
    return client.get_registered_model(name).aliases.get(alias)


def version_by_alias(client: MlflowClient, name: str, alias: str) -> ModelVersion:
    """The model version an alias points at; LookupError (naming both) when the alias is not set."""
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(name, alias)
    except MlflowException as error:
        raise LookupError(f"registered model {name!r} has no alias {alias!r}: {error.message}") from None


def _require_version(client: MlflowClient, name: str, version: str) -> None:
    from mlflow.exceptions import MlflowException

    try:
        client.get_model_version(name, version)
    except MlflowException:
        raise AliasError(f"{name} has no version {version}") from None


def set_challenger(client: MlflowClient, name: str, version: str, actor: str, reason: str) -> AuditEvent:
    """Point `challenger` at a version that passed the offline gate (it then runs in shadow)."""
    _require_version(client, name, version)
    before = alias_version(client, name, CHALLENGER)
    event = AuditEvent("challenger", CHALLENGER, before, version, actor, reason, now_utc())
    client.set_registered_model_alias(name, CHALLENGER, version)
    record(client, name, event)
    return event


def promote(client: MlflowClient, name: str, version: str, actor: str, reason: str) -> AuditEvent:
    """Make `version` the champion; the old champion becomes `previous`, the rollback target.

    Raises AliasError when the version does not exist or already is the champion.
    """
    _require_version(client, name, version)
    aliases = client.get_registered_model(name).aliases
    current = aliases.get(CHAMPION)
    if current == version:
        raise AliasError(f"{name} version {version} already is the champion")
    event = AuditEvent("promote", CHAMPION, current, version, actor, reason, now_utc())
    if current is not None:
        client.set_registered_model_alias(name, PREVIOUS, current)
    client.set_registered_model_alias(name, CHAMPION, version)
    if aliases.get(CHALLENGER) == version:
        client.delete_registered_model_alias(name, CHALLENGER)
    record(client, name, event)
    return event


def rollback(client: MlflowClient, name: str, actor: str, reason: str, to_version: str | None = None) -> AuditEvent:
    """Give the champion alias back to `previous` (or to `to_version`); the demoted version is tagged.

    `previous` then moves to the version the restored one had replaced, so a second rollback goes further back
    instead of bouncing to the version just rolled back.
    """
    aliases = client.get_registered_model(name).aliases
    current = aliases.get(CHAMPION)
    target = to_version or aliases.get(PREVIOUS)
    if target is None:
        raise AliasError(f"{name} has no `previous` version to roll back to; name one with --to")
    if target == current:
        raise AliasError(f"{name} version {target} already is the champion")
    _require_version(client, name, target)
    event = AuditEvent("rollback", CHAMPION, current, target, actor, reason, now_utc())
    client.set_registered_model_alias(name, CHAMPION, target)
    before = client.get_model_version(name, target).tags.get(f"{PREFIX}promote.from_version") or None
    if before and before != current:
        client.set_registered_model_alias(name, PREVIOUS, before)
    elif aliases.get(PREVIOUS):
        client.delete_registered_model_alias(name, PREVIOUS)
    if current is not None:
        client.set_model_version_tag(name, current, f"{PREFIX}rolled_back.at", event.at)
        client.set_model_version_tag(name, current, f"{PREFIX}rolled_back.by", actor)
        client.set_model_version_tag(name, current, f"{PREFIX}rolled_back.reason", reason)
    record(client, name, event)
    return event
