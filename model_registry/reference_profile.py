"""The reference profile of a model version: logged as an artifact of its training run, pointed to (with its
sha256) by tags on the version, and read back by the drift monitor for the alias it watches."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from model_registry.connection import model_name, tracking_client
from pipelines.profile import ReferenceProfile
from shadowloop.settings import Settings

if TYPE_CHECKING:
    from mlflow import MlflowClient

PROFILE_PATH = "reference_profile/profile.json"
PATH_TAG = "monitoring.reference_profile"
SHA_TAG = "monitoring.reference_profile_sha256"


class MissingReferenceProfile(LookupError):
    """The model version was registered without a reference profile (drift cannot be measured)."""


@dataclass(frozen=True)
class WatchedVersion:
    """The version behind an alias, with its reference profile."""

    name: str
    version: str
    run_id: str
    created_ms: int
    profile: ReferenceProfile


def log_reference_profile(
    project: str, version: str, profile: ReferenceProfile, settings: Settings | None = None
) -> str:
    """Log `profile` to the version's training run and tag the version with its path and sha256.

    Idempotent: a retried registration finds the tag with the same digest and writes nothing. Returns the sha256.
    """
    client = tracking_client(settings)
    name = model_name(project)
    text = profile.to_json()
    digest = hashlib.sha256(text.encode()).hexdigest()
    found = client.get_model_version(name, version)
    if found.tags.get(SHA_TAG) == digest:
        return digest
    if not found.run_id:
        raise ValueError(f"{name} version {version} has no training run to attach a profile to")
    client.log_text(found.run_id, text, PROFILE_PATH)
    client.set_model_version_tag(name, version, PATH_TAG, PROFILE_PATH)
    client.set_model_version_tag(name, version, SHA_TAG, digest)
    return digest


def _download_profile(client: MlflowClient, run_id: str, path: str, digest: str) -> ReferenceProfile:
    with tempfile.TemporaryDirectory() as folder:
        local = Path(client.download_artifacts(run_id, path, folder))
        data = local.read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise ValueError(f"reference profile of run {run_id} does not match its recorded sha256; refusing it")
    return ReferenceProfile.from_json(data.decode())


def watched_version(project: str, alias: str = "champion", settings: Settings | None = None) -> WatchedVersion:
    """The version behind `alias` and its verified reference profile.

    Raises:
        LookupError: the alias is not set.
        MissingReferenceProfile: the version carries no profile tags.
    """
    from model_registry.aliases import version_by_alias

    client = tracking_client(settings)
    name = model_name(project)
    found = version_by_alias(client, name, alias)
    path, digest = found.tags.get(PATH_TAG), found.tags.get(SHA_TAG)
    if not path or not digest or not found.run_id:
        raise MissingReferenceProfile(f"{name} version {found.version} ({alias}) has no reference profile")
    profile = _download_profile(client, found.run_id, path, digest)
    return WatchedVersion(name, str(found.version), found.run_id, int(found.creation_timestamp or 0), profile)


def last_registration_ms(project: str, settings: Settings | None = None) -> int | None:
    """When the project's newest model version was registered (the end of its last successful training)."""
    client = tracking_client(settings)
    versions = client.search_model_versions(f"name = '{model_name(project)}'")
    return max((int(v.creation_timestamp or 0) for v in versions), default=None)
