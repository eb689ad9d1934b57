"""The offline promotion gate as a pure function: floor, first model, gain, secondary regressions."""

from __future__ import annotations

import math

import pytest

from model_registry.policy import decide_promotion
from shadowloop.spec import Metrics, Promotion

pytestmark = pytest.mark.unit

CLASSIFIER = Metrics(primary="pr_auc", secondary=["roc_auc", "log_loss"])
REGRESSOR = Metrics(primary="rmse", secondary=["mae"])
POLICY = Promotion(primary_floor=0.3, min_improvement=0.01, max_secondary_regression=0.02)


def _cls(pr_auc: float, roc_auc: float = 0.9, log_loss: float = 0.2) -> dict[str, float]:
    return {"pr_auc": pr_auc, "roc_auc": roc_auc, "log_loss": log_loss}


@pytest.mark.parametrize(
    ("candidate", "decision"),
    [(_cls(0.5), "champion"), (_cls(0.3), "champion"), (_cls(0.29), "rejected"), (_cls(math.nan), "rejected")],
)
def test_first_model_becomes_champion_only_over_the_floor(candidate: dict[str, float], decision: str) -> None:
    verdict = decide_promotion(candidate, None, CLASSIFIER, POLICY)
    assert verdict.decision == decision
    assert verdict.passed is (decision != "rejected")


def test_no_floor_means_any_first_model_is_champion() -> None:
    verdict = decide_promotion(_cls(0.01), None, CLASSIFIER, Promotion(primary_floor=None))
    assert verdict.decision == "champion"
    assert verdict.reasons == ("first model of the project: no champion to beat",)


@pytest.mark.parametrize(
    ("candidate", "champion", "decision", "reason"),
    [
        (_cls(0.62), _cls(0.60), "challenger", "gain +0.0200"),
        (_cls(0.61), _cls(0.60), "challenger", "gain +0.0100"),  # exactly the required gain
        (_cls(0.605), _cls(0.60), "rejected", "below the required +0.0100"),
        (_cls(0.70, roc_auc=0.87), _cls(0.60, roc_auc=0.90), "rejected", "roc_auc regresses by 0.0300"),
        (_cls(0.70, roc_auc=0.885), _cls(0.60, roc_auc=0.90), "challenger", "roc_auc 0.8850 vs 0.9000: within"),
        # log_loss is lower-is-better: going up is the regression.
        (_cls(0.70, log_loss=0.25), _cls(0.60, log_loss=0.20), "rejected", "log_loss regresses by 0.0500"),
        (_cls(0.70, log_loss=0.10), _cls(0.60, log_loss=0.20), "challenger", "log_loss 0.1000 vs 0.2000"),
        (_cls(0.70), {"roc_auc": 0.9, "log_loss": 0.2}, "challenger", "champion has no finite pr_auc"),
    ],
)
def test_candidate_against_champion(
    candidate: dict[str, float], champion: dict[str, float], decision: str, reason: str
) -> None:
    verdict = decide_promotion(candidate, champion, CLASSIFIER, POLICY)
    assert verdict.decision == decision
    assert any(reason in r for r in verdict.reasons), verdict.reasons


@pytest.mark.parametrize(
    ("candidate_rmse", "decision"), [(9.0, "challenger"), (9.99, "challenger"), (9.995, "rejected"), (11.0, "rejected")]
)
def test_lower_is_better_primary(candidate_rmse: float, decision: str) -> None:
    policy = Promotion(primary_floor=20.0, min_improvement=0.01, max_secondary_regression=0.5)
    verdict = decide_promotion({"rmse": candidate_rmse, "mae": 7.0}, {"rmse": 10.0, "mae": 7.0}, REGRESSOR, policy)
    assert verdict.decision == decision


def test_regression_floor_is_a_maximum() -> None:
    policy = Promotion(primary_floor=5.0)
    assert decide_promotion({"rmse": 6.0, "mae": 1.0}, None, REGRESSOR, policy).decision == "rejected"
    assert decide_promotion({"rmse": 4.0, "mae": 1.0}, None, REGRESSOR, policy).decision == "champion"


def test_missing_secondary_metric_rejects() -> None:
    verdict = decide_promotion({"pr_auc": 0.9, "roc_auc": 0.9}, _cls(0.5), CLASSIFIER, POLICY)
    assert verdict.decision == "rejected"
    assert "candidate has no finite log_loss" in verdict.reasons


def test_verdict_is_a_plain_record() -> None:
    verdict = decide_promotion(_cls(0.62), _cls(0.60), CLASSIFIER, POLICY)
    data = verdict.to_dict()
    assert data["decision"] == "challenger" and data["primary"] == "pr_auc"
    assert data["champion"] == _cls(0.60) and isinstance(data["reasons"], list)
