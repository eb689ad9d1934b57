"""The live decisions as pure functions: a shadow review (promote, reject or wait) and the post-promotion guard
(rollback, keep or wait). Figures in, a verdict with reasons out; only `shadow_review.py` talks to MLflow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from pipelines.evaluate import improvement
from pipelines.shadow_compare import ArmStats, Comparison
from shadowloop.spec import Guard, ShadowReview

ReviewDecision = Literal["promote", "reject", "wait"]
GuardDecision = Literal["rollback", "keep", "wait"]


@dataclass(frozen=True)
class LiveVerdict:
    """What a live decision said and why."""

    decision: str
    reasons: tuple[str, ...]


def _p99_ratio(ours: ArmStats, baseline_p99: float) -> float | None:
    if not (math.isfinite(ours.p99_ms) and math.isfinite(baseline_p99)) or baseline_p99 <= 0:
        return None
    return ours.p99_ms / baseline_p99


def decide_review(comparison: Comparison, policy: ShadowReview, primary: str) -> LiveVerdict:
    """Promote the challenger, reject it, or wait for more evidence.

    Order matters: too little traffic waits; then any hard failure (error rate, latency, metric regression)
    rejects, before missing feedback can make the review wait.
    """
    champion, challenger = comparison.champion, comparison.challenger
    reasons: list[str] = []
    if challenger.requests < policy.min_requests:
        reasons.append(f"{challenger.requests} challenger requests, fewer than the {policy.min_requests} needed")
        return LiveVerdict("wait", tuple(reasons))
    reasons.append(f"{challenger.requests} challenger requests (at least {policy.min_requests})")
    if challenger.error_rate > policy.max_error_rate:
        reasons.append(
            f"challenger error rate {challenger.error_rate:.4f} ({challenger.errors} errors, "
            f"{challenger.timeouts} timeouts) over the allowed {policy.max_error_rate:.4f}"
        )
        return LiveVerdict("reject", tuple(reasons))
    reasons.append(f"challenger error rate {challenger.error_rate:.4f} within {policy.max_error_rate:.4f}")
    ratio = _p99_ratio(challenger, champion.p99_ms)
    if ratio is not None and ratio > policy.max_p99_ratio:
        reasons.append(
            f"challenger p99 {challenger.p99_ms:.1f} ms is {ratio:.2f}x the champion's {champion.p99_ms:.1f} ms, "
            f"over the allowed {policy.max_p99_ratio:.2f}x"
        )
        return LiveVerdict("reject", tuple(reasons))
    if ratio is not None:
        reasons.append(f"p99 ratio {ratio:.2f}x within {policy.max_p99_ratio:.2f}x")
    ours, theirs = challenger.metrics.get(primary), champion.metrics.get(primary)
    if ours is not None and theirs is not None and challenger.labelled >= max(policy.min_feedback, 1):
        regression = -improvement(primary, ours, theirs)
        if regression > policy.max_metric_regression + 1e-12:
            reasons.append(
                f"live {primary} {ours:.4f} vs the champion's {theirs:.4f}: a regression of {regression:.4f}, "
                f"over the allowed {policy.max_metric_regression:.4f} ({challenger.labelled} labelled records)"
            )
            return LiveVerdict("reject", tuple(reasons))
        reasons.append(f"live {primary} {ours:.4f} vs the champion's {theirs:.4f} ({challenger.labelled} labelled)")
    elif policy.min_feedback > 0:
        reasons.append(
            f"{challenger.labelled} labelled records with a live {primary}, fewer than the {policy.min_feedback} needed"
        )
        return LiveVerdict("wait", tuple(reasons))
    return LiveVerdict("promote", tuple(reasons))


def decide_guard(current: ArmStats, baseline: dict[str, float], policy: Guard, primary: str) -> LiveVerdict:
    """After a promotion: roll back when the new champion's live figures regress beyond the guard's policy.

    Args:
        current: The new champion's figures since it was promoted.
        baseline: Figures it is held to, recorded by the review that promoted it: `p99_ms` and the primary metric
            (the old champion's live values).
        policy: The spec's guard.
        primary: The spec's primary metric.
    """
    reasons: list[str] = []
    if current.requests < policy.min_requests:
        reasons.append(f"{current.requests} requests since the promotion, fewer than the {policy.min_requests} needed")
        return LiveVerdict("wait", tuple(reasons))
    if current.error_rate > policy.max_error_rate:
        reasons.append(f"error rate {current.error_rate:.4f} over the allowed {policy.max_error_rate:.4f}")
        return LiveVerdict("rollback", tuple(reasons))
    ratio = _p99_ratio(current, baseline.get("p99_ms", math.nan))
    if ratio is not None and ratio > policy.max_p99_ratio:
        reasons.append(
            f"p99 {current.p99_ms:.1f} ms is {ratio:.2f}x the baseline's {baseline['p99_ms']:.1f} ms, "
            f"over {policy.max_p99_ratio:.2f}x"
        )
        return LiveVerdict("rollback", tuple(reasons))
    ours, theirs = current.metrics.get(primary), baseline.get(primary)
    if ours is not None and theirs is not None and math.isfinite(theirs) and current.labelled >= policy.min_feedback:
        regression = -improvement(primary, ours, theirs)
        if regression > policy.max_metric_regression + 1e-12:
            reasons.append(
                f"live {primary} {ours:.4f} vs the baseline's {theirs:.4f}: a regression of {regression:.4f}, "
                f"over the allowed {policy.max_metric_regression:.4f} ({current.labelled} labelled records)"
            )
            return LiveVerdict("rollback", tuple(reasons))
        reasons.append(f"live {primary} {ours:.4f} vs the baseline's {theirs:.4f}: within the guard")
    elif policy.min_feedback > 0:
        reasons.append(f"{current.labelled} labelled records, fewer than the {policy.min_feedback} needed")
        return LiveVerdict("wait", tuple(reasons))
    reasons.append(f"error rate {current.error_rate:.4f} and p99 {current.p99_ms:.1f} ms within the guard")
    return LiveVerdict("keep", tuple(reasons))
