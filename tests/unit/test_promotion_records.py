"""Plain records around promotion: audit events, spec params, run keys, lineage tags of Airflow runs."""

from __future__ import annotations

import pytest

from model_registry.audit import AuditEvent
from model_registry.lineage import airflow_tags
from model_registry.params import spec_fingerprint, spec_params
from shadowloop.spec import load_spec

pytestmark = pytest.mark.unit


def test_audit_event_round_trips_through_json() -> None:
    event = AuditEvent("rollback", "champion", "3", "2", "alice", "latency", "2026-11-22T05:00:00.000000Z")
    assert AuditEvent.from_json(event.to_json()) == event


def test_spec_params_use_stable_dotted_names() -> None:
    spec = load_spec("specs/fraud.yaml")
    params = spec_params(spec)
    assert params["model.family"] == "gradient_boosting"
    assert params["model.params.max_iter"] == "200"
    assert params["metrics.secondary"] == "roc_auc,log_loss"
    assert params["promotion.primary_floor"] == "0.2"
    assert not any(key.startswith(("schema", "serving", "source")) for key in params)


def test_spec_fingerprint_changes_with_the_spec() -> None:
    spec = load_spec("specs/fraud.yaml")
    assert spec_fingerprint(spec) == spec_fingerprint(load_spec("specs/fraud.yaml"))
    assert spec_fingerprint(spec) != spec_fingerprint(spec.with_overrides({"model.params.max_iter": 10}))


def test_airflow_tags_keep_only_the_known_keys() -> None:
    tags = airflow_tags({"dag_id": "d", "run_id": "r", "try_number": 2, "other": "x"})
    assert tags == {"airflow.dag_id": "d", "airflow.run_id": "r", "airflow.try_number": "2"}
    assert airflow_tags(None) == {}
