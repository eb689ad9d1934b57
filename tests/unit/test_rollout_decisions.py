"""Pure rollout decisions: sampling, sticky arms, the cascade's confidence and budget, the live comparison, and
the review and guard policies."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from model_registry.shadow_policy import decide_guard, decide_review
from pipelines.shadow_compare import ArmStats, arm_stats, compare_arms
from serving.cascade import HeavyBudget, is_confident, key_id
from serving.routing import choose_arm, entity_of, is_sampled
from shadowloop.spec import Guard, ShadowReview

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.5, 1.0])
def test_sampling_rate_is_met_and_deterministic(rate: float) -> None:
    ids = [f"{i:032x}" for i in range(20_000)]
    share = sum(is_sampled(i, rate) for i in ids) / len(ids)
    assert share == pytest.approx(rate, abs=0.015)
    assert [is_sampled(i, rate) for i in ids[:50]] == [is_sampled(i, rate) for i in ids[:50]]


@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.5])
def test_canary_share_and_stickiness(fraction: float) -> None:
    arms = [choose_arm("canary", fraction, f"user-{i}", f"req-{i}") for i in range(20_000)]
    assert arms.count("challenger") / len(arms) == pytest.approx(fraction, abs=0.015)
    # The same entity lands on the same arm whatever the request id.
    assert {choose_arm("canary", fraction, "user-7", f"r{i}") for i in range(100)} == {arms[7]}


def test_shadow_mode_never_routes_to_the_challenger() -> None:
    assert {choose_arm("shadow", 1.0, f"u{i}", "r") for i in range(100)} == {"champion"}


def test_entity_header_wins_over_the_record_field() -> None:
    records = [{"account": 42}]
    assert entity_of(records, "account", "abc") == "abc"
    assert entity_of(records, "account", None) == "42"
    assert entity_of(records, None, None) is None


def test_confidence_rule() -> None:
    assert is_confident({"prediction": 0, "probabilities": {"0": 0.95, "1": 0.05}}, 0.9)
    assert not is_confident({"prediction": 1, "probabilities": {"0": 0.4, "1": 0.6}}, 0.9)
    assert not is_confident({"prediction": 3.2}, 0.0)  # regression: always heavy


def test_heavy_budget_per_key_and_hour() -> None:
    now = [3600.0 * 10]
    budget = HeavyBudget(5, clock=lambda: now[0])
    assert budget.try_spend("a", 3) and budget.try_spend("a", 2)
    assert not budget.try_spend("a", 1)  # spent
    assert budget.try_spend("b", 5)  # another key has its own budget
    now[0] += 3600
    assert budget.try_spend("a", 5)  # a new hour
    assert key_id("Bearer secret") == key_id("Bearer secret") != key_id("Bearer other")
    assert "secret" not in key_id("Bearer secret")


def _arm(
    labels: list[int], p1: list[float], outcomes: list[int | None], latency: float, failed: int = 0
) -> pd.DataFrame:
    n = len(labels)
    return pd.DataFrame(
        {
            "request_id": [f"r{i}" for i in range(n)],
            "label": labels,
            "proba": [{"0": 1 - p, "1": p} for p in p1],
            "latency_ms": [latency + i % 10 for i in range(n)],
            "failed": [i < failed for i in range(n)],
            "timed_out": [False] * n,
            "outcome": outcomes,
        }
    )


def test_comparison_agreement_metrics_and_examples() -> None:
    truth = [i % 2 for i in range(100)]
    good = _arm(truth, [0.9 if t else 0.1 for t in truth], truth, 5.0)
    flipped = [1 - t if i < 20 else t for i, t in enumerate(truth)]
    worse = _arm(flipped, [0.8 if t else 0.2 for t in flipped], truth, 8.0)
    result = compare_arms("shadow", good, worse, ("1", "2"), "binary")
    assert result.agreement == pytest.approx(0.8)
    assert len(result.disagreements) == 10
    assert result.champion.metrics["pr_auc"] > result.challenger.metrics["pr_auc"]
    assert result.challenger.p99_ms > result.champion.p99_ms
    assert result.champion.requests == result.champion.labelled == 100


def test_failed_records_count_as_errors_not_answers() -> None:
    truth = [i % 2 for i in range(50)]
    stats = arm_stats(_arm(truth, [0.7] * 50, truth, 5.0, failed=5), "2", "binary")
    assert stats.errors == 5 and stats.error_rate == pytest.approx(0.1) and stats.labelled == 45


def _stats(requests: int, p99: float, pr_auc: float | None, labelled: int, errors: int = 0) -> ArmStats:
    metrics = {"pr_auc": pr_auc} if pr_auc is not None else {}
    return ArmStats("v", requests, requests, errors, 0, p99 / 2, p99, p99, labelled, metrics)


def _review(challenger: ArmStats, champion: ArmStats | None = None, **policy: float) -> str:
    from pipelines.shadow_compare import Comparison

    comparison = Comparison("shadow", champion or _stats(500, 10, 0.8, 100), challenger, 0.9, [])
    return decide_review(comparison, ShadowReview(**policy), "pr_auc").decision  # type: ignore[arg-type]


def test_review_policy() -> None:
    assert _review(_stats(50, 10, 0.9, 100)) == "wait"  # too little traffic
    assert _review(_stats(500, 10, 0.9, 10)) == "wait"  # too little feedback
    assert _review(_stats(500, 10, 0.9, 100)) == "promote"
    assert _review(_stats(500, 10, 0.7, 100)) == "reject"  # live metric regression
    assert _review(_stats(500, 10, 0.79, 100), max_metric_regression=0.02) == "promote"
    assert _review(_stats(500, 30, 0.9, 100)) == "reject"  # p99 3x the champion's
    assert _review(_stats(500, 10, 0.9, 100, errors=50)) == "reject"  # error rate


def test_guard_policy() -> None:
    baseline = {"p99_ms": 10.0, "pr_auc": 0.8}
    guard = Guard(min_requests=100, min_feedback=50)
    assert decide_guard(_stats(50, 10, 0.8, 50), baseline, guard, "pr_auc").decision == "wait"
    assert decide_guard(_stats(200, 10, 0.79, 100), baseline, guard, "pr_auc").decision == "keep"
    assert decide_guard(_stats(200, 10, 0.5, 100), baseline, guard, "pr_auc").decision == "rollback"
    assert decide_guard(_stats(200, 30, 0.8, 100), baseline, guard, "pr_auc").decision == "rollback"
    assert decide_guard(_stats(200, 10, 0.8, 100, errors=20), baseline, guard, "pr_auc").decision == "rollback"
    assert decide_guard(_stats(200, 10, None, 0), {"p99_ms": math.nan}, guard, "pr_auc").decision == "wait"
