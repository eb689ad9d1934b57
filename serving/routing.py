"""Who answers and who is mirrored: pure functions of ids and the spec's rollout, tested on their own.

Every choice is a hash of a string, not a random draw, so it is reproducible: the same entity always lands on
the same arm (sticky canary and A/B), and a request id is mirrored or not the same way on every replica.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Literal

Arm = Literal["champion", "challenger"]


def unit_hash(value: str, salt: str) -> float:
    """A number in [0, 1) that depends only on `salt` and `value` (uniform over distinct values)."""
    digest = hashlib.blake2b(f"{salt}\x00{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def is_sampled(request_id: str, rate: float) -> bool:
    """Whether a request is mirrored to the shadow at `rate` (0: never, 1: always)."""
    if rate >= 1.0:
        return True
    return rate > 0.0 and unit_hash(request_id, "shadow") < rate


def entity_of(records: Sequence[Mapping[str, Any]], entity_key: str | None, header: str | None) -> str | None:
    """The entity a request belongs to: the `X-Entity-ID` header, else the first record's `entity_key` field."""
    if header:
        return header
    if entity_key and records and records[0].get(entity_key) is not None:
        return str(records[0][entity_key])
    return None


def choose_arm(mode: str, fraction: float, entity: str | None, request_id: str, salt: str = "rollout") -> Arm:
    """The arm that answers: the challenger for `fraction` of entities in canary and ab modes, never in shadow.

    Requests without an entity are split by request id (not sticky, still the right share).
    """
    if mode == "shadow" or fraction <= 0.0:
        return "champion"
    return "challenger" if unit_hash(entity or request_id, salt) < fraction else "champion"
