"""Where the endpoint learns which model version an alias points to.

`ModelRef` mirrors `model_registry.resolve.ResolvedModel`, so the MLflow source and the local pointer file used
by tests, benches and the demo hand the same thing to the loader.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from shadowloop.settings import Settings


@dataclass(frozen=True)
class ModelRef:
    """One model version an alias points to, with the digest its bundle must match."""

    name: str
    version: str
    alias: str
    manifest_sha256: str
    local_dir: Path
    run_id: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def identity(self) -> tuple[str, str]:
        """What makes two refs the same model: the version and the bundle digest."""
        return (self.version, self.manifest_sha256)


class AliasNotFound(LookupError):
    """The alias does not exist (yet) for this project."""


class ModelSource(Protocol):
    """Resolves an alias of a project to a model version on local disk."""

    def resolve(self, alias: str) -> ModelRef:
        """The version the alias points to now; raises AliasNotFound when it points nowhere."""
        ...

    def load(self, ref: ModelRef) -> Any:
        """Load and verify the bundle of `ref`; raises on a bad checksum or an unloadable bundle."""
        ...


class LocalPointerSource:
    """Aliases kept in a JSON pointer file: `{"champion": {"version": "2", "local_dir": ..., ...}, ...}`.

    Moving an alias is an atomic rewrite of the file (`write_pointer`), like `set_registered_model_alias`.
    """

    def __init__(self, project: str, pointer: Path):
        self.project = project
        self.pointer = Path(pointer)

    def resolve(self, alias: str) -> ModelRef:
        try:
            entries = json.loads(self.pointer.read_text())
        except FileNotFoundError:
            raise AliasNotFound(f"{self.pointer} does not exist") from None
        entry = entries.get(alias)
        if not entry:
            raise AliasNotFound(f"alias {alias!r} is not set in {self.pointer}")
        return ModelRef(
            name=entry.get("name", self.project),
            version=str(entry["version"]),
            alias=alias,
            manifest_sha256=entry["manifest_sha256"],
            local_dir=Path(entry["local_dir"]),
            run_id=entry.get("run_id", ""),
        )

    def load(self, ref: ModelRef) -> Any:
        from pipelines.model_bundle import load_model

        return load_model(ref.local_dir, expected_manifest_sha256=ref.manifest_sha256)


class MlflowAliasSource:
    """Aliases of the project's registered model in MLflow, through `model_registry.resolve`.

    Resolving downloads the version into the local model cache (once) and verifies it.
    """

    def __init__(self, project: str, settings: Settings):
        self.project = project
        self.settings = settings

    def resolve(self, alias: str) -> ModelRef:
        from model_registry.resolve import resolve_alias

        try:
            found = resolve_alias(self.project, alias, settings=self.settings)
        except LookupError as error:
            raise AliasNotFound(str(error)) from None
        return ModelRef(
            name=found.name,
            version=str(found.version),
            alias=alias,
            manifest_sha256=found.manifest_sha256,
            local_dir=Path(found.local_dir),
            run_id=found.run_id or "",
            tags=dict(found.tags or {}),
        )

    def load(self, ref: ModelRef) -> Any:
        from model_registry.resolve import ResolvedModel, load_resolved

        resolved = ResolvedModel(
            name=ref.name,
            version=ref.version,
            alias=ref.alias,
            run_id=ref.run_id,
            manifest_sha256=ref.manifest_sha256,
            local_dir=ref.local_dir,
            tags=ref.tags,
        )
        return load_resolved(resolved)


class ConstantSource:
    """Every alias resolves to a model that does no work (framework-tax benchmark)."""

    def __init__(self, project: str, task: str, numeric: list[str], categorical: list[str], classes: list[Any]):
        self.project = project
        self.shape = (task, numeric, categorical, classes)

    def resolve(self, alias: str) -> ModelRef:
        return ModelRef(self.project, "noop", alias, "noop", Path("."))

    def load(self, ref: ModelRef) -> Any:
        from serving.answers import ConstantModel

        return ConstantModel(*self.shape)


def write_pointer(pointer: Path, aliases: dict[str, dict[str, Any] | ModelRef | None]) -> None:
    """Atomically replace the pointer file: readers see the old or the new aliases, never half a file."""
    pointer = Path(pointer)
    pointer.parent.mkdir(parents=True, exist_ok=True)
    body: dict[str, Any] = {}
    for alias, entry in aliases.items():
        if entry is None:
            continue
        if isinstance(entry, ModelRef):
            entry = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(entry).items() if k != "alias"}
        body[alias] = entry
    handle, tmp = tempfile.mkstemp(dir=pointer.parent, prefix=".pointer-")
    with os.fdopen(handle, "w") as out:
        json.dump(body, out, indent=2)
    os.replace(tmp, pointer)
