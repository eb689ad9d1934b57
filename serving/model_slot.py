"""A model slot: the version an alias points to, loaded and swapped in without dropping a request.

`refresh()` resolves the alias; when it names a new version, the bundle is loaded and warmed up off the event
loop, then the reference is swapped in one assignment, so a request sees either the old model or the new one.
A version that fails to load or verify is refused (logged, counted, remembered) and the old one keeps serving.
The champion is one slot; the shadow challenger of issue 6 is another slot of the same class.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipelines.model_bundle import ModelIntegrityError
from serving.sources import AliasNotFound, ModelRef, ModelSource

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    """A verified model and the ref it was loaded from."""

    ref: ModelRef
    model: Any
    loaded_at: float


@dataclass(frozen=True)
class RefreshResult:
    """What one refresh did: "unchanged", "swapped", "refused", "missing" or "error"."""

    outcome: str
    version: str | None
    detail: str = ""


class ModelSlot:
    """Holds the loaded model of one alias.

    Args:
        alias: The alias this slot follows ("champion", "previous", "baseline", later "challenger").
        source: Resolves the alias and loads bundles.
        warm_up: Called with a freshly loaded model before it is swapped in; raising refuses the version.
        on_event: Called with (alias, outcome, version) after each refresh that did something (metrics).
        unload_when_missing: Drop the model when the alias is removed (the challenger: a rejected one must stop
            answering), rather than keep serving it (the champion: a registry hiccup must not stop service).
    """

    def __init__(
        self,
        alias: str,
        source: ModelSource,
        warm_up: Callable[[Any], None] | None = None,
        on_event: Callable[[str, str, str | None], None] | None = None,
        unload_when_missing: bool = False,
    ):
        self.alias = alias
        self.source = source
        self.warm_up = warm_up
        self.on_event = on_event
        self.current: LoadedModel | None = None
        self.refused: dict[tuple[str, str], str] = {}
        self.unload_when_missing = unload_when_missing
        self._lock = asyncio.Lock()

    @property
    def version(self) -> str | None:
        current = self.current
        return current.ref.version if current else None

    def _load(self, ref: ModelRef) -> Any:
        model = self.source.load(ref)
        if self.warm_up is not None:
            self.warm_up(model)
        return model

    async def refresh(self, force: bool = False) -> RefreshResult:
        """Follow the alias once; `force` retries a version refused before (e.g. after a repaired upload)."""
        async with self._lock:  # one load at a time; a poll and an admin call do not race
            result = await self._refresh(force)
        if result.outcome != "unchanged" and self.on_event:
            self.on_event(self.alias, result.outcome, result.version)
        return result

    async def _refresh(self, force: bool) -> RefreshResult:
        try:
            ref = await asyncio.to_thread(self.source.resolve, self.alias)
        except AliasNotFound as error:
            if self.unload_when_missing and self.current is not None:
                logger.info("alias %r removed: version %s unloaded", self.alias, self.version)
                self.current = None
                return RefreshResult("unloaded", None, str(error))
            return RefreshResult("missing", self.version, str(error))
        except ModelIntegrityError as error:
            # The registry's download did not verify: nothing to load, the old model keeps serving.
            logger.error("refused alias %r: %s; still serving %s", self.alias, error, self.version)
            return RefreshResult("refused", None, str(error))
        except Exception as error:  # registry down: keep serving what we have, try again next poll
            logger.warning("resolving alias %r failed, keeping version %s: %s", self.alias, self.version, error)
            return RefreshResult("error", self.version, str(error))
        current = self.current
        if current is not None and current.ref.identity == ref.identity:
            return RefreshResult("unchanged", ref.version)
        if ref.identity in self.refused and not force:
            return RefreshResult("unchanged", self.version, f"version {ref.version} was refused before")
        try:
            model = await asyncio.to_thread(self._load, ref)
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
            self.refused[ref.identity] = reason
            logger.error(
                "refused %s version %s for alias %r, still serving %s: %s",
                ref.name,
                ref.version,
                self.alias,
                self.version,
                reason,
            )
            return RefreshResult("refused", ref.version, reason)
        self.current = LoadedModel(ref=ref, model=model, loaded_at=time.time())
        self.refused.pop(ref.identity, None)
        logger.info("alias %r now serves %s version %s", self.alias, ref.name, ref.version)
        return RefreshResult("swapped", ref.version)
