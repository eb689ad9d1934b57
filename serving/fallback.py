"""What to answer when the champion cannot: a pure decision over what is at hand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Action = Literal["model", "cache", "fallback_model", "unavailable"]


@dataclass(frozen=True)
class FallbackDecision:
    """How to answer the records the cache did not hold, and whether the answer is degraded."""

    action: Action
    degraded: bool
    reason: str = ""


def decide(champion_ok: bool, misses: int, fallback_ready: bool, failure: str = "") -> FallbackDecision:
    """Choose the answer for a request.

    Args:
        champion_ok: The champion answered every cache miss in time.
        misses: Records the cache did not answer.
        fallback_ready: A fallback model (previous champion or baseline) is loaded.
        failure: Why the champion did not answer ("timeout", "error", "no model"), for the log.
    """
    if champion_ok:
        return FallbackDecision("model", degraded=False)
    if misses == 0:
        return FallbackDecision("cache", degraded=True, reason=failure)
    if fallback_ready:
        return FallbackDecision("fallback_model", degraded=True, reason=failure)
    return FallbackDecision("unavailable", degraded=True, reason=failure or "no model")
