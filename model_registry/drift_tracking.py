"""Each drift check is an MLflow run in the `<project>-monitoring` experiment, so checks compare side by side.

Metric names are fixed per feature (`psi.<feature>`, `p_value.<feature>`) plus `max_psi`, `drifted_features`,
`window_rows` and `drift_detected` (0/1, and -1 for an insufficient window), so the MLflow UI can chart any
feature's PSI across checks. The HTML/PNG/JSON report are the run's artifacts.
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path
from typing import Any

from model_registry.connection import tracking_client
from model_registry.tracking import ensure_experiment
from pipelines.drift import DriftReport
from pipelines.drift_report import render_html, render_png
from shadowloop.settings import Settings

CHECK_KEY_TAG = "monitoring.check_key"
_DETECTED = {"drift": 1.0, "no_drift": 0.0, "insufficient_data": -1.0}


def monitoring_experiment(project: str) -> str:
    """The experiment name of a project's drift checks."""
    return f"{project}-monitoring"


def report_metrics(report: DriftReport) -> dict[str, float]:
    """The run's metrics: one name per feature and statistic, the same in every check."""
    values = {
        "drift_detected": _DETECTED[report.status],
        "window_rows": float(report.window_rows),
        "max_psi": report.max_psi,
        "drifted_features": float(len(report.drifted_features)),
    }
    for feature in report.features:
        values[f"psi.{feature.name}"] = feature.psi
        values[f"p_value.{feature.name}"] = feature.p_value
    return {k: v for k, v in values.items() if math.isfinite(v)}


def log_drift_report(report: DriftReport, key: str, settings: Settings | None = None, **tags: str) -> str:
    """Log one check as a finished run; returns its run id.

    Args:
        report: The check's outcome (its `context` names the project and model version).
        key: Identity of the check (e.g. the Airflow dag and run id): a retried task finds its run again.
        settings: Where the tracking server is.
        **tags: Extra run tags (Airflow ids).
    """
    from mlflow.entities import Metric, Param, RunTag

    client = tracking_client(settings)
    project = report.context["project"]
    experiment_id = ensure_experiment(client, monitoring_experiment(project))
    found = client.search_runs([experiment_id], filter_string=f"tags.`{CHECK_KEY_TAG}` = '{key}'", max_results=1)
    if found and found[0].info.status == "FINISHED":
        return str(found[0].info.run_id)
    run = found[0] if found else None
    run_id = run.info.run_id if run else client.create_run(experiment_id, run_name=f"drift-{key[-24:]}").info.run_id
    now = int(time.time() * 1000)
    all_tags = (
        {CHECK_KEY_TAG: key, "drift.status": report.status, "drift.features_moved": ",".join(report.drifted_features)}
        | {f"context.{k}": v for k, v in report.context.items()}
        | tags
    )
    params = {
        "psi_threshold": str(report.psi_threshold),
        "min_window_rows": str(report.min_window_rows),
        "model_version": report.context.get("model_version", ""),
    }
    client.log_batch(
        run_id,
        metrics=[Metric(k, v, now, 0) for k, v in report_metrics(report).items()],
        params=[Param(k, str(v)) for k, v in params.items()] if run is None else [],
        tags=[RunTag(k, str(v)) for k, v in all_tags.items()],
    )
    with tempfile.TemporaryDirectory() as folder:
        png = render_png(report, Path(folder) / "drift_report.png")
        (Path(folder) / "drift_report.html").write_text(render_html(report, png))
        (Path(folder) / "drift_report.json").write_text(report.to_json())
        client.log_artifacts(run_id, folder, "drift")
    client.set_terminated(run_id, "FINISHED")
    return str(run_id)


def latest_checks(project: str, limit: int = 10, settings: Settings | None = None) -> list[dict[str, Any]]:
    """The newest drift checks of a project: run id, status, max PSI, moved features."""
    client = tracking_client(settings)
    experiment = client.get_experiment_by_name(monitoring_experiment(project))
    if experiment is None:
        return []
    runs = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time DESC"], max_results=limit)
    return [
        {
            "run_id": r.info.run_id,
            "status": r.data.tags.get("drift.status"),
            "max_psi": r.data.metrics.get("max_psi"),
            "moved": r.data.tags.get("drift.features_moved", ""),
        }
        for r in runs
    ]
