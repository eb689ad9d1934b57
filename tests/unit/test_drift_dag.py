"""The drift monitor DAGs as contracts: one per spec, the check then the asset-emitting task."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))


def test_one_drift_dag_per_spec(dagbag) -> None:
    specs = {p.stem for p in (ROOT / "specs").glob("*.yaml")}
    assert {f"drift_{name}" for name in specs} <= set(dagbag.dag_ids)


def test_drift_dag_checks_then_emits_the_asset_the_training_dag_waits_for(dagbag) -> None:
    drift, training = dagbag.dags["drift_fraud"], dagbag.dags["train_fraud"]
    assert [t.task_id for t in drift.topological_sort()] == ["check_drift", "request_retraining"]
    assert drift.get_task("check_drift").outlets == []
    (outlet,) = drift.get_task("request_retraining").outlets
    assert outlet.uri == "shadowloop://fraud/drift"
    assert training.schedule.asset_condition == outlet
    assert drift.timetable.expression == "0 * * * *"


def test_training_without_a_cron_waits_for_drift_only() -> None:
    from shadowloop.drift_asset import training_schedule
    from shadowloop.spec import load_spec

    spec = load_spec(ROOT / "specs" / "fraud.yaml").with_overrides({"schedule": None})
    assert training_schedule(spec).uri == "shadowloop://fraud/drift"


def test_a_source_override_is_read_from_the_newest_drift_event() -> None:
    from types import SimpleNamespace

    from shadowloop.drift_asset import source_from_events

    old = SimpleNamespace(timestamp=1, extra={"source_uri": "s3://lake/old.parquet"})
    new = SimpleNamespace(timestamp=2, extra={"source_uri": "s3://lake/labelled.parquet"})
    assert source_from_events({"shadowloop://fraud/drift": [new, old]}) == "s3://lake/labelled.parquet"
    assert source_from_events({"shadowloop://fraud/drift": [SimpleNamespace(timestamp=3, extra={})]}) is None
    assert source_from_events(None) is None
