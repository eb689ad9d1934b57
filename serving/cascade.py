"""Tiered answers: the fast model stands when it is confident, and a per-API-key budget caps heavy-tier calls.

Pure parts (the confidence rule, the budget) have no I/O; the engine wires them to the two model slots.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any


def is_confident(answer: dict[str, Any], min_confidence: float) -> bool:
    """Whether a fast-tier answer stands: its top class probability reaches `min_confidence`.

    Regression answers carry no confidence, so they always go to the heavy tier.
    """
    probabilities = answer.get("probabilities")
    if not probabilities:
        return False
    return max(probabilities.values()) >= min_confidence


def key_id(authorization: str | None) -> str:
    """A stable, non-secret name of the caller's API key (a digest prefix; the token itself is never kept)."""
    token = (authorization or "").partition(" ")[2].strip()
    return hashlib.sha256(token.encode()).hexdigest()[:12] if token else "anonymous"


class HeavyBudget:
    """Heavy-tier records per API key per clock hour; spending past the budget is refused.

    Args:
        per_hour: Records each key may send to the heavy tier per hour (0: none).
        clock: Seconds since the epoch (tests pass their own).
    """

    def __init__(self, per_hour: int, clock: Callable[[], float] = time.time):
        self.per_hour = per_hour
        self.clock = clock
        self._used: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def try_spend(self, key: str, records: int) -> bool:
        """Take `records` from `key`'s budget of the current hour; False (nothing taken) when it would overflow."""
        hour = int(self.clock() // 3600)
        with self._lock:
            start, used = self._used.get(key, (hour, 0))
            if start != hour:
                used = 0
            if used + records > self.per_hour:
                self._used[key] = (hour, used)
                return False
            self._used[key] = (hour, used + records)
            return True

    def used(self, key: str) -> int:
        """Records `key` sent to the heavy tier this hour."""
        start, used = self._used.get(key, (0, 0))
        return used if start == int(self.clock() // 3600) else 0
