"""After a pipeline run: track it, judge it against the champion, register it with lineage, move aliases."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from model_registry.connection import model_name, tracking_client
from model_registry.gate import apply_verdict, judge, verdict_tags
from model_registry.lineage import lineage_tags
from model_registry.registration import register_version, versions_of_run
from model_registry.tracking import TrackedRun, track_run
from shadowloop.settings import Settings

if TYPE_CHECKING:
    from shadowloop.runner import RunSummary


@dataclass(frozen=True)
class Publication:
    """Where a pipeline run ended up in MLflow."""

    name: str
    version: str
    run_id: str
    decision: str
    reasons: tuple[str, ...]
    compared_champion_version: str | None
    created: bool


def publish_run(
    summary: RunSummary,
    settings: Settings | None = None,
    airflow: dict[str, Any] | None = None,
    tracked: TrackedRun | None = None,
) -> Publication:
    """Track the run, gate it, register it and move aliases; repeating it for the same run changes nothing.

    Args:
        summary: A finished pipeline run (`shadowloop.runner.run_project`).
        settings: Where the tracking server is; the process settings by default.
        airflow: dag_id, run_id and try_number when called from an Airflow task; they key the run and tag it.
        tracked: The run, when the caller already tracked it (`begin_tracking` + `finish_tracking`).
    """
    tracked = tracked or track_run(summary, settings, airflow)
    client = tracking_client(settings)
    name = model_name(summary.spec.name)
    done = [v for v in versions_of_run(client, name, tracked.run_id) if "gate.decision" in v.tags]
    if done:
        version = done[0]
        champion = version.tags.get("lineage.compared_champion_version")
        return Publication(
            name,
            version.version,
            tracked.run_id,
            version.tags["gate.decision"],
            tuple(json.loads(version.tags.get("gate.reasons", "[]"))),
            None if champion in (None, "none") else champion,
            created=False,
        )
    verdict, champion = judge(client, name, summary, settings)
    tags = lineage_tags(summary.trained, airflow) | verdict_tags(verdict, champion)
    version = register_version(client, name, tracked, tags)
    apply_verdict(client, name, version.version, tracked.run_id, verdict, champion)
    return Publication(name, version.version, tracked.run_id, verdict.decision, verdict.reasons, champion, True)
