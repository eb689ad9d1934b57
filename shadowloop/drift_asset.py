"""The Airflow Asset that links a project's drift monitor to its training DAG, and the training schedule.

`drift_<project>` emits an event on `shadowloop://<project>/drift` when drift passes the spec's threshold;
`train_<project>` runs on its spec's cron OR on that event (`AssetOrTimeSchedule`), so drift-triggered and
scheduled retraining are the same DAG. Airflow is imported inside the functions: this module is importable
(and testable) without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.sdk import Asset

    from shadowloop.spec import ProjectSpec


def drift_asset_uri(project: str) -> str:
    return f"shadowloop://{project}/drift"


def drift_asset(project: str) -> Asset:
    """The asset whose events mean "the live inputs of `project` drifted: retrain"."""
    from airflow.sdk import Asset

    return Asset(uri=drift_asset_uri(project), name=f"{project}_drift", group="shadowloop-drift")


def training_schedule(spec: ProjectSpec, use_cron: bool = True) -> Any:
    """The spec's cron (or preset such as @daily) OR the project's drift asset; the asset alone without a cron,
    or with `use_cron` off (settings.airflow_use_schedules: a demo or dev stack where only triggers and drift
    should start training)."""
    from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable

    asset = drift_asset(spec.name)
    if not spec.schedule or not use_cron:
        return asset
    return AssetOrTimeSchedule(timetable=CronTriggerTimetable(spec.schedule, timezone="UTC"), assets=asset)


def source_from_events(events: Any) -> str | None:
    """The data-source override carried by the newest drift event, if any (`triggering_asset_events` of a run).

    The drift monitor puts the exported window's URI in the event; it holds live inputs without labels, so it is
    only used when a labelled source was given under `source_uri` in the event's extra.
    """
    newest = None
    for asset_events in (events or {}).values():
        for event in asset_events:
            if newest is None or event.timestamp > newest.timestamp:
                newest = event
    uri = (newest.extra or {}).get("source_uri") if newest is not None else None
    return str(uri) if uri else None
