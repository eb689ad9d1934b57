"""The shadow review DAG through real Airflow (`airflow dags test`) and a real MLflow server: a better
challenger is promoted, a worse one rejected, and a regression after a promotion rolls the champion back."""

from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path

import pytest

from model_registry.publish import publish_run
from shadowloop.settings import Settings
from shadowloop.spec import load_spec
from tests.e2e.airflow_cli import dags_test, env_for, migrate, write_spec
from tests.e2e.shadow_traffic import seed_champion, seed_shadow

pytestmark = pytest.mark.e2e
POLICY = {
    "shadow_review.min_requests": 40,
    "shadow_review.min_feedback": 40,
    "guard.min_requests": 40,
    "guard.min_feedback": 40,
}


@pytest.fixture(scope="module")
def stack(mlflow_server, tmp_path_factory: pytest.TempPathFactory):
    """One Airflow home (SQLite), a specs folder and a prediction log, wired to the session's MLflow server."""
    root = tmp_path_factory.mktemp("shadow-e2e")
    settings = Settings(
        home=root / "state", specs_dir=root / "specs", mlflow_tracking_uri=mlflow_server.url, serving_port=9
    )  # fmt: skip  (nothing listens there: the reload call fails fast)
    names = {kind: f"shadow_{kind}_{uuid.uuid4().hex[:6]}" for kind in ("reject", "rollback")}
    for name in names.values():
        write_spec(root / "specs", name, POLICY)
    env = env_for(settings)
    migrate(env)
    return settings, env, names, root


def _two_versions(trained_fraud, settings: Settings, spec_path: Path) -> tuple[str, str]:  # noqa: ANN001
    """Version 1 champion, version 2 challenger (a second training run of the same model)."""
    summary = dataclasses.replace(trained_fraud, spec=load_spec(spec_path))
    first = publish_run(summary, settings, airflow={"dag_id": "train", "run_id": "r1", "try_number": 1})
    second = publish_run(summary, settings, airflow={"dag_id": "train", "run_id": "r2", "try_number": 1})
    assert (first.decision, second.decision) == ("champion", "challenger")
    return first.version, second.version


def _client(settings: Settings):  # noqa: ANN202
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=settings.mlflow_tracking_uri, registry_uri=settings.mlflow_tracking_uri)


def _review_runs(settings: Settings, name: str, kind: str = "review") -> list:  # noqa: ANN202
    client = _client(settings)
    experiment = client.get_experiment_by_name(f"{name}-shadow-review")
    runs = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])
    return [r for r in runs if r.data.tags["shadow_review.kind"] == kind]


def test_a_worse_challenger_is_rejected_with_its_reason_tagged(stack, trained_fraud) -> None:  # noqa: ANN001
    settings, env, names, root = stack
    name = names["reject"]
    champion, challenger = _two_versions(trained_fraud, settings, root / "specs" / f"{name}.yaml")
    seed_shadow(settings.prediction_log_url, name, (champion, challenger), (0.8, 0.35), n=60)

    log = root / "reject.log"
    assert dags_test(env, f"shadow_review_{name}", {}, log) == 0, log.read_text()[-4000:]

    client = _client(settings)
    assert client.get_registered_model(name).aliases == {"champion": champion}
    tags = client.get_model_version(name, challenger).tags
    assert tags["shadow_review.decision"] == "reject"
    assert "regression" in tags["shadow_review.rejected_reason"]
    (run,) = _review_runs(settings, name)
    assert run.data.tags["shadow_review.decision"] == "reject"
    assert run.data.metrics["challenger.live_pr_auc"] < run.data.metrics["champion.live_pr_auc"]
    assert run.data.metrics["challenger.requests"] == 60
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "shadow_review")}
    assert {"shadow_review/report.html", "shadow_review/report.png"} <= artifacts
    assert "shadow review: REJECT" in log.read_text()


def test_a_better_challenger_is_promoted_then_a_regression_rolls_it_back(stack, trained_fraud) -> None:  # noqa: ANN001
    settings, env, names, root = stack
    name = names["rollback"]
    champion, challenger = _two_versions(trained_fraud, settings, root / "specs" / f"{name}.yaml")
    seed_shadow(settings.prediction_log_url, name, (champion, challenger), (0.6, 0.9), n=60)

    log = root / "promote.log"
    assert dags_test(env, f"shadow_review_{name}", {}, log) == 0, log.read_text()[-4000:]
    client = _client(settings)
    assert client.get_registered_model(name).aliases == {"champion": challenger, "previous": champion}
    tags = client.get_model_version(name, challenger).tags
    assert tags["shadow_review.decision"] == "promote" and tags["audit.promote.by"] == "shadow_review"
    assert "shadow_review.baseline.pr_auc" in tags
    assert "shadow review: PROMOTE" in log.read_text()

    # The new champion now answers live traffic badly: the guard of the next run rolls it back.
    seed_champion(settings.prediction_log_url, name, challenger, quality=0.3, n=60)
    log = root / "rollback.log"
    assert dags_test(env, f"shadow_review_{name}", {}, log) == 0, log.read_text()[-4000:]
    assert client.get_registered_model(name).aliases["champion"] == champion
    tags = client.get_model_version(name, challenger).tags
    assert tags["guard.decision"] == "rollback"
    assert tags["audit.rolled_back.by"] == "post_promotion_guard" and "regression" in tags["audit.rolled_back.reason"]
    outcome = json.loads(_review_runs(settings, name, "guard")[-1].data.tags["shadow_review.outcome"])
    assert outcome["decision"] == "rollback"
    assert "skipped" in log.read_text().lower() or "review on the next run" in log.read_text()
