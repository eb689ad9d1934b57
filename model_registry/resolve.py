"""Alias -> verified local bundle, for serving: resolve a model version, download it once, check every digest."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from model_registry.connection import model_name, tracking_client
from model_registry.tracking import BUNDLE_PATH
from pipelines.model_bundle import MANIFEST, ModelIntegrityError, file_sha256, load_model
from shadowloop.settings import Settings, get_settings

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

    from pipelines.model_bundle import TabularModel


@dataclass(frozen=True)
class ResolvedModel:
    """A registered model version, downloaded and verified under the local cache."""

    name: str
    version: str
    alias: str | None
    run_id: str
    manifest_sha256: str
    local_dir: Path
    tags: Mapping[str, str] = field(default_factory=dict, hash=False)


def verify_bundle(folder: Path, manifest_sha256: str) -> None:
    """Raise ModelIntegrityError unless the manifest and every file it lists match their sha256."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise ModelIntegrityError(f"{folder} has no {MANIFEST}")
    if file_sha256(manifest_path) != manifest_sha256:
        raise ModelIntegrityError(f"{manifest_path} does not match the registered sha256 {manifest_sha256}")
    for name, digest in json.loads(manifest_path.read_text())["files"].items():
        path = folder / name
        if not path.is_file() or file_sha256(path) != digest:
            raise ModelIntegrityError(f"{path}: sha256 does not match the manifest; refusing it")


def _download(client: MlflowClient, version: ModelVersion, target: Path, manifest_sha256: str) -> None:
    import mlflow.artifacts

    if not (version.source or "").startswith("models:/"):
        raise ModelIntegrityError(f"{version.name} version {version.version} has no logged model source")
    logged = client.get_logged_model(str(version.source).removeprefix("models:/"))
    bundle_path = version.tags.get("model.bundle_path", BUNDLE_PATH)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Download beside the cache entry and rename it in place, so a reader never sees a half-written bundle.
    with tempfile.TemporaryDirectory(dir=target.parent) as staging:
        local = mlflow.artifacts.download_artifacts(
            artifact_uri=f"{logged.artifact_location.rstrip('/')}/{bundle_path}",
            dst_path=staging,
            tracking_uri=client.tracking_uri,
        )
        verify_bundle(Path(local), manifest_sha256)
        try:
            Path(local).rename(target)
        except OSError:
            if not target.exists():  # lost a race to a concurrent download of the same bundle: theirs is as good
                raise


def resolve_version(
    project: str, version: str, settings: Settings | None = None, alias: str | None = None
) -> ResolvedModel:
    """Download (once) and verify a given version of a project's registered model."""
    settings = settings or get_settings()
    client = tracking_client(settings)
    name = model_name(project)
    found = client.get_model_version(name, version)
    return _resolved(client, found, alias, settings)


def resolve_alias(project: str, alias: str, settings: Settings | None = None) -> ResolvedModel:
    """The version behind `alias` (champion, challenger, previous), downloaded and verified.

    Raises:
        LookupError: the alias is not set.
        ModelIntegrityError: the downloaded bundle does not match its recorded sha256.
        TrackingServerUnavailable: the tracking server does not answer.
    """
    from model_registry.aliases import version_by_alias

    settings = settings or get_settings()
    client = tracking_client(settings)
    return _resolved(client, version_by_alias(client, model_name(project), alias), alias, settings)


def alias_versions(project: str, settings: Settings | None = None) -> dict[str, str]:
    """Alias -> version of a project's registered model, without downloading anything (a cheap reload poll).

    Raises LookupError when the project has no registered model yet.
    """
    from mlflow.exceptions import MlflowException

    client = tracking_client(settings or get_settings())
    try:
        return dict(client.get_registered_model(model_name(project)).aliases)
    except MlflowException as error:
        raise LookupError(f"no registered model for project {project!r}: {error.message}") from None


def _resolved(client: MlflowClient, found: ModelVersion, alias: str | None, settings: Settings) -> ResolvedModel:
    manifest_sha256 = found.tags.get("model.manifest_sha256")
    if not manifest_sha256:
        raise ModelIntegrityError(f"{found.name} version {found.version} records no model.manifest_sha256")
    local_dir = settings.home.resolve() / "model_cache" / found.name / f"v{found.version}-{manifest_sha256[:16]}"
    if local_dir.exists():
        try:
            verify_bundle(local_dir, manifest_sha256)
        except ModelIntegrityError:
            # A tampered or truncated cache entry is thrown away and fetched again from the registry.
            shutil.rmtree(local_dir, ignore_errors=True)
    if not local_dir.exists():
        _download(client, found, local_dir, manifest_sha256)
    return ResolvedModel(
        name=found.name,
        version=str(found.version),
        alias=alias,
        run_id=found.run_id or "",
        manifest_sha256=manifest_sha256,
        local_dir=local_dir,
        tags=dict(found.tags),
    )


def load_resolved(resolved: ResolvedModel) -> TabularModel:
    """Load a resolved bundle, re-checking it against the registered sha256 (ModelIntegrityError on mismatch)."""
    return load_model(resolved.local_dir, resolved.manifest_sha256)
