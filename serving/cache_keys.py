"""Cache keys: model version plus a canonical hash of the record's feature values."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any


def canonical_record(record: Mapping[str, Any], features: Sequence[str]) -> bytes:
    """The record's feature values as canonical JSON: sorted keys, no spaces, ids and extra keys left out.

    Integers that a float column accepted are normalised by the request schema before this point, so `1` and
    `1.0` in a float column hash the same.
    """
    return json.dumps({name: record.get(name) for name in features}, sort_keys=True, separators=(",", ":")).encode()


def cache_key(project: str, version: str, record: Mapping[str, Any], features: Sequence[str]) -> str:
    """`sl:<project>:<version>:<sha256>`: a new model version never reads an older version's answers."""
    digest = hashlib.sha256(canonical_record(record, features)).hexdigest()
    return f"sl:{project}:{version}:{digest}"
