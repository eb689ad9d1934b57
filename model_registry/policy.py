"""The offline promotion gate as a pure decision: metrics and thresholds in, a verdict with reasons out.

Both metric sets must come from the same held-out split (the champion is re-scored on the candidate's test
split), so the comparison is like for like. Only `gate.py` talks to MLflow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pipelines.evaluate import improvement
from shadowloop.spec import LOWER_IS_BETTER, Metrics, Promotion

Decision = Literal["champion", "challenger", "rejected"]
# Float noise must not flip a tie into a regression.
_EPSILON = 1e-12


@dataclass(frozen=True)
class Verdict:
    """What the gate decided and why; `champion` only for the first model of a project."""

    decision: Decision
    reasons: tuple[str, ...]
    primary: str
    candidate: dict[str, float]
    champion: dict[str, float] | None

    @property
    def passed(self) -> bool:
        return self.decision != "rejected"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["reasons"] = list(self.reasons)
        return data


def _finite(metrics: Mapping[str, float] | None, name: str) -> float | None:
    value = (metrics or {}).get(name)
    return float(value) if value is not None and math.isfinite(value) else None


def _meets_floor(metric: str, value: float, floor: float) -> bool:
    return value <= floor + _EPSILON if metric in LOWER_IS_BETTER else value >= floor - _EPSILON


def decide_promotion(
    candidate: Mapping[str, float],
    champion: Mapping[str, float] | None,
    metrics: Metrics,
    policy: Promotion,
) -> Verdict:
    """Judge a candidate against the current champion (None for a project's first model).

    Args:
        candidate: The candidate's metrics on its held-out test split.
        champion: The champion's metrics re-scored on that same split, or None when there is no champion.
        metrics: The spec's primary and secondary metrics.
        policy: The spec's floor, minimum improvement and allowed secondary regression.

    Returns:
        A verdict: "champion" (first model over the floor), "challenger" (beats the champion) or "rejected".
    """
    primary = metrics.primary
    reasons: list[str] = []

    def verdict(decision: Decision) -> Verdict:
        return Verdict(decision, tuple(reasons), primary, dict(candidate), dict(champion) if champion else None)

    value = _finite(candidate, primary)
    if value is None:
        reasons.append(f"candidate has no finite {primary}")
        return verdict("rejected")
    if policy.primary_floor is not None:
        bound = "at most" if primary in LOWER_IS_BETTER else "at least"
        if not _meets_floor(primary, value, policy.primary_floor):
            reasons.append(f"{primary} {value:.4f} misses the floor: must be {bound} {policy.primary_floor:.4f}")
            return verdict("rejected")
        reasons.append(f"{primary} {value:.4f} meets the floor ({bound} {policy.primary_floor:.4f})")
    if champion is None:
        reasons.append("first model of the project: no champion to beat")
        return verdict("champion")

    reference = _finite(champion, primary)
    if reference is None:
        reasons.append(f"champion has no finite {primary}; the candidate cannot do worse")
    else:
        gain = improvement(primary, value, reference)
        if gain + _EPSILON < policy.min_improvement:
            reasons.append(
                f"{primary} gain {gain:+.4f} over the champion ({value:.4f} vs {reference:.4f}) "
                f"is below the required {policy.min_improvement:+.4f}"
            )
            return verdict("rejected")
        reasons.append(f"{primary} gain {gain:+.4f} over the champion ({value:.4f} vs {reference:.4f})")

    failed = False
    for name in metrics.secondary:
        mine, theirs = _finite(candidate, name), _finite(champion, name)
        if mine is None:
            reasons.append(f"candidate has no finite {name}")
            failed = True
            continue
        if theirs is None:
            reasons.append(f"{name}: champion has no value to compare with")
            continue
        regression = -improvement(name, mine, theirs)
        if regression > policy.max_secondary_regression + _EPSILON:
            reasons.append(
                f"{name} regresses by {regression:.4f} ({mine:.4f} vs {theirs:.4f}), "
                f"more than the allowed {policy.max_secondary_regression:.4f}"
            )
            failed = True
        else:
            reasons.append(f"{name} {mine:.4f} vs {theirs:.4f}: within the allowed regression")
    return verdict("rejected" if failed else "challenger")
