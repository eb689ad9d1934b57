"""The thin MLflow adapter around the pure promotion policy: fetch and re-score the champion, record the verdict."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from model_registry.aliases import CHAMPION, alias_version, promote, set_challenger
from model_registry.audit import AuditEvent
from model_registry.policy import Verdict, decide_promotion
from model_registry.resolve import load_resolved, resolve_version
from shadowloop.settings import Settings

if TYPE_CHECKING:
    from mlflow import MlflowClient

    from shadowloop.runner import RunSummary

GATE_ACTOR = "gate"


def champion_metrics(
    client: MlflowClient, name: str, summary: RunSummary, settings: Settings | None = None
) -> tuple[str | None, dict[str, float] | None]:
    """The current champion's version and its metrics re-scored on the candidate's own test split."""
    from mlflow.exceptions import MlflowException

    from pipelines.evaluate import score_model
    from pipelines.features import split_dataset
    from pipelines.ingest import load_snapshot

    try:
        version = alias_version(client, name, CHAMPION)
    except MlflowException as error:
        if error.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
        return None, None
    if version is None:
        return None, None
    champion = load_resolved(resolve_version(summary.spec.name, version, settings, alias=CHAMPION))
    # Same snapshot, same seed: the split is the one the candidate was evaluated on.
    test = split_dataset(load_snapshot(summary.snapshot), summary.spec).test
    return version, score_model(champion, test, summary.spec)


def judge(
    client: MlflowClient, name: str, summary: RunSummary, settings: Settings | None = None
) -> tuple[Verdict, str | None]:
    """The verdict for a candidate run and the champion version it was compared with (None if there was none)."""
    version, reference = champion_metrics(client, name, summary, settings)
    spec = summary.spec
    return decide_promotion(summary.evaluation.metrics, reference, spec.metrics, spec.promotion), version


def verdict_tags(verdict: Verdict, champion_version: str | None) -> dict[str, str]:
    """Version tags that show the gate's outcome in the registry UI."""
    tags = {
        "gate.decision": verdict.decision,
        "gate.reasons": json.dumps(list(verdict.reasons)),
        "gate.primary": verdict.primary,
        "lineage.compared_champion_version": champion_version or "none",
    }
    tags |= {f"gate.candidate.{k}": f"{v:.6g}" for k, v in verdict.candidate.items()}
    tags |= {f"gate.champion.{k}": f"{v:.6g}" for k, v in (verdict.champion or {}).items()}
    return tags


def apply_verdict(
    client: MlflowClient, name: str, version: str, run_id: str, verdict: Verdict, champion_version: str | None
) -> AuditEvent | None:
    """Record the verdict on the run and the version, then move the alias it calls for."""
    tags = verdict_tags(verdict, champion_version)
    for key, value in tags.items():
        client.set_model_version_tag(name, version, key, value)
        client.set_tag(run_id, key, value)
    client.log_dict(run_id, verdict.to_dict() | {"champion_version": champion_version}, "promotion/verdict.json")
    summary = "; ".join(verdict.reasons)
    if verdict.decision == "champion":
        return promote(client, name, version, GATE_ACTOR, f"offline gate: {summary}")
    if verdict.decision == "challenger":
        return set_challenger(client, name, version, GATE_ACTOR, f"offline gate: {summary}")
    return None
