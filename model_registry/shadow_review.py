"""The thin MLflow adapter of the live decisions: read the evidence, decide (pure), log the report as a run,
tag the version, move the aliases, and tell the endpoint to reload.

Reviews and guards are runs of the experiment `<project>-shadow-review` with fixed metric names
(`champion.p99_ms`, `challenger.live_<metric>`, `agreement`, `decision` ...), so runs compare in the MLflow UI.
A run is keyed by its Airflow dag/run id: a retried task finds its finished run and does not act twice.
"""

from __future__ import annotations

import json
import logging
import math
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model_registry.aliases import CHALLENGER, CHAMPION, AliasError, promote, rollback
from model_registry.connection import model_name, tracking_client
from model_registry.shadow_policy import LiveVerdict, decide_guard, decide_review
from model_registry.tracking import ensure_experiment
from pipelines.shadow_compare import ArmStats, Comparison, arm_stats, compare_arms
from shadowloop.settings import Settings, get_settings
from shadowloop.shadow_window import shadow_arms, version_arm
from shadowloop.spec import ProjectSpec

if TYPE_CHECKING:
    from mlflow import MlflowClient

logger = logging.getLogger(__name__)
KEY_TAG = "shadow_review.key"
ACTOR_REVIEW, ACTOR_GUARD = "shadow_review", "post_promotion_guard"
_DECISION_VALUE = {"promote": 1.0, "keep": 1.0, "wait": 0.0, "reject": -1.0, "rollback": -1.0}


def review_experiment(project: str) -> str:
    """The experiment of a project's shadow reviews and guard checks."""
    return f"{project}-shadow-review"


def _arm_metrics(prefix: str, stats: ArmStats) -> dict[str, float]:
    values = {
        f"{prefix}.requests": float(stats.requests),
        f"{prefix}.error_rate": stats.error_rate,
        f"{prefix}.timeouts": float(stats.timeouts),
        f"{prefix}.p50_ms": stats.p50_ms,
        f"{prefix}.p95_ms": stats.p95_ms,
        f"{prefix}.p99_ms": stats.p99_ms,
        f"{prefix}.labelled": float(stats.labelled),
    } | {f"{prefix}.live_{k}": v for k, v in stats.metrics.items()}
    return {k: v for k, v in values.items() if math.isfinite(v)}


def _finished_run(client: MlflowClient, experiment_id: str, key: str) -> Any:
    found = client.search_runs([experiment_id], filter_string=f"tags.`{KEY_TAG}` = '{key}'", max_results=1)
    return found[0] if found and found[0].info.status == "FINISHED" else None


def _log_run(
    client: MlflowClient, experiment_id: str, key: str, name: str, metrics: dict[str, float], tags: dict[str, str],
    artifacts: dict[str, str | bytes],
) -> str:  # fmt: skip
    from mlflow.entities import Metric, RunTag

    run_id = str(client.create_run(experiment_id, run_name=name).info.run_id)
    now = int(time.time() * 1000)
    client.log_batch(
        run_id,
        metrics=[Metric(k, v, now, 0) for k, v in metrics.items() if math.isfinite(v)],
        tags=[RunTag(k, v) for k, v in ({KEY_TAG: key} | tags).items()],
    )
    with tempfile.TemporaryDirectory() as folder:
        for filename, body in artifacts.items():
            target = Path(folder) / filename
            target.write_bytes(body) if isinstance(body, bytes) else target.write_text(body)
        client.log_artifacts(run_id, folder, "shadow_review")
    client.set_terminated(run_id, "FINISHED")
    return run_id


def notify_endpoint(settings: Settings) -> str:
    """Ask the endpoint to follow the aliases now (it also polls, so a failure here only delays the reload)."""
    import httpx

    url = f"http://{settings.serving_host}:{settings.serving_port}/admin/reload"
    headers = {"Authorization": f"Bearer {settings.admin_token.get_secret_value()}"}
    try:
        response = httpx.post(url, json={}, headers=headers, timeout=60)
        return f"{url}: {response.status_code}"
    except httpx.HTTPError as error:
        logger.warning("endpoint reload at %s failed (it will follow on its next poll): %s", url, error)
        return f"{url}: unreachable ({type(error).__name__})"


def _comparison(spec: ProjectSpec, settings: Settings, champion: str, challenger: str, since: float) -> Comparison:
    mode = spec.rollout.mode
    if mode == "shadow":
        ours, theirs, _ = shadow_arms(spec.name, challenger, since, settings)
    else:
        ours = version_arm(spec.name, champion, since, settings)
        theirs = version_arm(spec.name, challenger, since, settings)
    return compare_arms(mode, ours, theirs, (champion, challenger), spec.task)


def review_challenger(
    spec: ProjectSpec, key: str, settings: Settings | None = None, tags: dict[str, str] | None = None,
    reload_endpoint: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Review the challenger on the live window and act on the verdict.

    Args:
        spec: The project (its rollout mode, review policy and primary metric).
        key: Identity of this review (Airflow dag and run id); a repeat returns the logged outcome.
        settings: Where MLflow and the logs are.
        tags: Extra run tags (Airflow ids).
        reload_endpoint: Call the endpoint's /admin/reload after an alias move.

    Returns:
        decision, reasons, versions, MLflow run id and the comparison's figures.

    Raises:
        LookupError: The project has no challenger (or no champion) to review.
    """
    settings = settings or get_settings()
    client = tracking_client(settings)
    name = model_name(spec.name)
    experiment_id = ensure_experiment(client, review_experiment(spec.name))
    done = _finished_run(client, experiment_id, key)
    if done is not None:
        return json.loads(done.data.tags["shadow_review.outcome"])
    aliases = client.get_registered_model(name).aliases
    champion, challenger = aliases.get(CHAMPION), aliases.get(CHALLENGER)
    if challenger is None or champion is None:
        raise LookupError(f"{name} has no {'challenger' if champion else 'champion'} to review")
    policy, primary = spec.shadow_review, spec.metrics.primary
    comparison = _comparison(spec, settings, champion, challenger, time.time() - policy.window_hours * 3600)
    verdict = decide_review(comparison, policy, primary)
    decision = verdict.decision
    if decision == "promote" and not policy.auto_promote:
        verdict = LiveVerdict("wait", (*verdict.reasons, "auto_promote is off: a person promotes"))
    metrics = _arm_metrics("champion", comparison.champion) | _arm_metrics("challenger", comparison.challenger)
    metrics["decision"] = _DECISION_VALUE[verdict.decision]
    if comparison.agreement is not None:
        metrics["agreement"] = comparison.agreement
    if math.isfinite(comparison.champion.p99_ms) and comparison.champion.p99_ms > 0:
        metrics["p99_ratio"] = comparison.challenger.p99_ms / comparison.champion.p99_ms
    metrics |= comparison.error_quantiles or {}
    outcome: dict[str, Any] = {
        "decision": verdict.decision,
        "reasons": list(verdict.reasons),
        "champion_version": champion,
        "challenger_version": challenger,
        "mode": comparison.mode,
    }
    run_id = _log_report(client, experiment_id, key, comparison, verdict, metrics, outcome, tags or {}, "review")
    outcome["mlflow_run_id"] = run_id
    _tag_version(client, name, challenger, "shadow_review", verdict, run_id, comparison, primary)
    if verdict.decision == "promote":
        promote(client, name, challenger, ACTOR_REVIEW, "; ".join(verdict.reasons))
    elif verdict.decision == "reject":
        client.delete_registered_model_alias(name, CHALLENGER)
        client.set_model_version_tag(name, challenger, "shadow_review.rejected_reason", "; ".join(verdict.reasons))
    if verdict.decision in ("promote", "reject") and reload_endpoint:
        outcome["endpoint"] = notify_endpoint(settings)
    return outcome


def _tag_version(
    client: MlflowClient, name: str, version: str, prefix: str, verdict: LiveVerdict, run_id: str,
    comparison: Comparison | None, primary: str,
) -> None:  # fmt: skip
    tags = {
        f"{prefix}.decision": verdict.decision,
        f"{prefix}.reasons": json.dumps(list(verdict.reasons))[:5000],
        f"{prefix}.run_id": run_id,
        f"{prefix}.at": datetime.now(UTC).isoformat(),
    }
    if comparison is not None:
        # The guard holds a promoted version to what the champion it replaced did live.
        champion = comparison.champion
        tags[f"{prefix}.baseline.p99_ms"] = str(champion.p99_ms)
        if primary in champion.metrics:
            tags[f"{prefix}.baseline.{primary}"] = str(champion.metrics[primary])
        if primary in comparison.challenger.metrics:
            tags[f"{prefix}.live.{primary}"] = str(comparison.challenger.metrics[primary])
        tags[f"{prefix}.live.p99_ms"] = str(comparison.challenger.p99_ms)
    for key, value in tags.items():
        client.set_model_version_tag(name, version, key, value)


def _log_report(
    client: MlflowClient, experiment_id: str, key: str, comparison: Comparison, verdict: LiveVerdict,
    metrics: dict[str, float], outcome: dict[str, Any], tags: dict[str, str], kind: str,
) -> str:  # fmt: skip
    from pipelines.shadow_report import render_html, render_png

    with tempfile.TemporaryDirectory() as folder:
        png = render_png(comparison, Path(folder) / "report.png")
        artifacts: dict[str, str | bytes] = {
            "report.png": png.read_bytes(),
            "report.html": render_html(comparison, verdict.decision, list(verdict.reasons), png),
            "comparison.json": json.dumps(comparison.to_dict(), default=str, indent=2),
        }
    run_tags = {
        "shadow_review.kind": kind,
        "shadow_review.decision": verdict.decision,
        "shadow_review.outcome": json.dumps(outcome, default=str)[:5000],
        "champion_version": comparison.champion.version,
        "challenger_version": comparison.challenger.version,
    } | tags
    name = f"{kind}-v{comparison.challenger.version}-{verdict.decision}"
    return _log_run(client, experiment_id, key, name, metrics, run_tags, artifacts)


def _promoted_at(tags: dict[str, str]) -> float | None:
    stamp = tags.get("audit.promote.at")
    if not stamp:
        return None
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()


def guard_champion(
    spec: ProjectSpec, key: str, settings: Settings | None = None, tags: dict[str, str] | None = None,
    reload_endpoint: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Within the guard window after a promotion, roll the champion back when its live figures regress.

    Returns:
        decision ("rollback", "keep", "wait" or "idle" when no promotion is being watched) and reasons.
    """
    settings = settings or get_settings()
    client = tracking_client(settings)
    name = model_name(spec.name)
    champion = client.get_registered_model(name).aliases.get(CHAMPION)
    if champion is None:
        return {"decision": "idle", "reasons": ["no champion"]}
    version_tags = dict(client.get_model_version(name, champion).tags)
    promoted_at = _promoted_at(version_tags)
    policy = spec.guard
    if promoted_at is None or time.time() - promoted_at > policy.window_hours * 3600:
        return {
            "decision": "idle",
            "reasons": [f"version {champion} is not inside a guard window"],
            "version": champion,
        }
    experiment_id = ensure_experiment(client, review_experiment(spec.name))
    done = _finished_run(client, experiment_id, key)
    if done is not None:
        return json.loads(done.data.tags["shadow_review.outcome"])
    primary = spec.metrics.primary
    current = arm_stats(version_arm(spec.name, champion, promoted_at, settings), champion, spec.task)
    baseline = {
        k.removeprefix("shadow_review.baseline."): float(v)
        for k, v in version_tags.items()
        if k.startswith("shadow_review.baseline.")
    }
    verdict = decide_guard(current, baseline, policy, primary)
    outcome: dict[str, Any] = {"decision": verdict.decision, "reasons": list(verdict.reasons), "version": champion}
    metrics = _arm_metrics("champion", current) | {"decision": _DECISION_VALUE[verdict.decision]}
    metrics |= {f"baseline.{k}": v for k, v in baseline.items()}
    previous = ArmStats(version_tags.get("audit.promote.from_version", ""), 0, 0, 0, 0, *(math.nan,) * 3, 0)
    comparison = Comparison("guard", previous, current, None, [])
    run_id = _log_report(client, experiment_id, key, comparison, verdict, metrics, outcome, tags or {}, "guard")
    outcome["mlflow_run_id"] = run_id
    _tag_version(client, name, champion, "guard", verdict, run_id, None, primary)
    if verdict.decision == "rollback":
        try:
            event = rollback(client, name, ACTOR_GUARD, "; ".join(verdict.reasons))
            outcome["rolled_back_to"] = event.to_version
        except AliasError as error:
            outcome["reasons"].append(f"rollback impossible: {error}")
        if reload_endpoint:
            outcome["endpoint"] = notify_endpoint(settings)
    return outcome
