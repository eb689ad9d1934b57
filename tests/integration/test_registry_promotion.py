"""The offline gate, promotion and rollback against a real MLflow server, with the audit trail."""

from __future__ import annotations

import pytest

from model_registry.aliases import AliasError, promote, rollback
from model_registry.audit import history
from model_registry.connection import tracking_client
from model_registry.publish import publish_run
from shadowloop.runner import RunSummary
from shadowloop.settings import Settings
from tests.fixtures.mlflow_server import as_project

pytestmark = pytest.mark.integration


def _dag_run(n: int) -> dict[str, object]:
    return {"dag_id": "train", "run_id": f"scheduled__{n}", "try_number": 1}


def test_candidate_becomes_challenger_then_champion_then_rolls_back(
    trained_fraud: RunSummary, mlflow_settings: Settings
) -> None:
    summary = as_project(trained_fraud)
    client = tracking_client(mlflow_settings)
    first = publish_run(summary, mlflow_settings, airflow=_dag_run(1))
    # A second dag run of the same model: the champion, re-scored on the same split, ties; min_improvement is 0.
    second = publish_run(summary, mlflow_settings, airflow=_dag_run(2))
    name = first.name

    assert second.decision == "challenger" and second.compared_champion_version == first.version
    version_tags = client.get_model_version(name, second.version).tags
    assert version_tags["lineage.compared_champion_version"] == first.version
    assert version_tags["gate.champion.pr_auc"] == version_tags["gate.candidate.pr_auc"]
    assert client.get_registered_model(name).aliases == {"champion": first.version, "challenger": second.version}

    promote(client, name, second.version, actor="alice", reason="shadow review: no disagreement")
    assert client.get_registered_model(name).aliases == {"champion": second.version, "previous": first.version}

    event = rollback(client, name, actor="bob", reason="latency regression in prod")
    assert (event.from_version, event.to_version) == (second.version, first.version)
    assert client.get_registered_model(name).aliases == {"champion": first.version}
    demoted = client.get_model_version(name, second.version).tags
    assert demoted["audit.rolled_back.by"] == "bob"
    assert demoted["audit.rolled_back.reason"] == "latency regression in prod"

    trail = [(e.action, e.actor, e.from_version, e.to_version) for e in history(client, name)]
    assert trail == [
        ("promote", "gate", None, first.version),
        ("challenger", "gate", None, second.version),
        ("promote", "alice", first.version, second.version),
        ("rollback", "bob", second.version, first.version),
    ]
    with pytest.raises(AliasError, match="no `previous`"):
        rollback(client, name, actor="bob", reason="again")


def test_gate_rejects_a_candidate_below_the_required_gain(trained_fraud: RunSummary, mlflow_settings: Settings) -> None:
    summary = as_project(trained_fraud)
    client = tracking_client(mlflow_settings)
    first = publish_run(summary, mlflow_settings)
    strict = summary.__class__(
        **{**summary.__dict__, "spec": summary.spec.with_overrides({"promotion.min_improvement": 0.05})}
    )
    verdict = publish_run(strict, mlflow_settings)

    assert verdict.decision == "rejected" and verdict.version != first.version
    assert any("below the required" in reason for reason in verdict.reasons)
    assert client.get_registered_model(first.name).aliases == {"champion": first.version}
    assert client.get_run(verdict.run_id).data.tags["gate.decision"] == "rejected"


def test_first_model_under_the_floor_is_registered_but_not_champion(
    trained_fraud: RunSummary, mlflow_settings: Settings
) -> None:
    summary = as_project(trained_fraud, {"promotion.primary_floor": 0.999})
    published = publish_run(summary, mlflow_settings)

    assert published.decision == "rejected"
    assert tracking_client(mlflow_settings).get_registered_model(published.name).aliases == {}
