"""Stable MLflow parameter names for a spec, so runs of one project line up column by column in the UI."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from shadowloop.spec import ProjectSpec

# The schema and serving/drift knobs do not change the trained model; leaving them out keeps the run table narrow.
_SKIPPED = {"schema", "description", "serving", "drift", "schedule", "source"}
MAX_PARAM_CHARS = 500


def _flatten(prefix: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, dict) and value:
        for key in sorted(value):
            _flatten(f"{prefix}.{key}" if prefix else str(key), value[key], out)
    elif isinstance(value, list):
        out[prefix] = ",".join(str(v) for v in value)
    else:
        out[prefix] = "" if value is None else str(value)


def spec_params(spec: ProjectSpec) -> dict[str, str]:
    """Dotted spec paths -> string values, e.g. {"model.params.max_iter": "200", "split.seed": "42"}."""
    data = spec.model_dump(by_alias=True, mode="json")
    out: dict[str, str] = {}
    for key in sorted(data):
        if key not in _SKIPPED:
            _flatten(key, data[key], out)
    return {k: v[:MAX_PARAM_CHARS] for k, v in out.items()}


def spec_fingerprint(spec: ProjectSpec) -> str:
    """sha256 of the whole spec, canonical JSON: same spec, same fingerprint."""
    canonical = json.dumps(spec.model_dump(by_alias=True, mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
