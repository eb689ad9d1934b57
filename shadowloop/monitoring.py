"""What the monitoring side of the loop calls: attach a reference profile at registration, and run one drift
check (window -> report -> MLflow run -> metrics textfile). Kept out of the DAG files so they stay cheap to parse."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from pipelines.drift import DriftReport
from shadowloop.settings import Settings, get_settings
from shadowloop.spec import ProjectSpec


@dataclass(frozen=True)
class DriftOutcome:
    """One drift check: its report, the MLflow run holding it, and where the drifted window was exported."""

    report: DriftReport
    mlflow_run_id: str
    window_uri: str | None

    def summary(self) -> dict[str, Any]:
        """What the DAG passes on (XCom) and puts in the asset event's extra: small and JSON-safe."""
        return {
            "status": self.report.status,
            "project": self.report.context.get("project"),
            "model_version": self.report.context.get("model_version"),
            "drifted_features": self.report.drifted_features,
            "max_psi": round(self.report.max_psi, 6),
            "window_rows": self.report.window_rows,
            "mlflow_run_id": self.mlflow_run_id,
            "window_uri": self.window_uri,
        }


def attach_reference_profile(run_uri: str, version: str, settings: Settings | None = None) -> str:
    """Profile the run's training split and attach it to the version registered from it; returns its sha256.

    Idempotent: a retried registration finds the same profile already attached.
    """
    from model_registry.reference_profile import log_reference_profile
    from pipelines.profile import profile_frame
    from shadowloop.steps import read_snapshot, read_spec, read_split

    spec = read_spec(run_uri)
    meta = {"dataset_sha256": read_snapshot(run_uri).sha256, "run_uri": run_uri, "split": "train"}
    profile = profile_frame(read_split(run_uri).train, spec.features.numeric, spec.features.categorical, meta)
    return log_reference_profile(spec.name, version, profile, settings)


def check_drift(
    spec: ProjectSpec,
    key: str,
    settings: Settings | None = None,
    tags: dict[str, str] | None = None,
    now: float | None = None,
) -> DriftOutcome:
    """Compare the champion's reference profile with the recent prediction-log window and record the result.

    Args:
        spec: The project (its `drift` thresholds decide).
        key: Identity of this check (Airflow dag and run id); a retry reuses its MLflow run and export.
        settings: Where the registry, the prediction log, the lake and the metrics folder are.
        tags: Extra MLflow run tags (Airflow ids).
        now: End of the window (Unix seconds); the current time by default.

    Raises:
        LookupError: the project has no champion, or it has no reference profile (`MissingReferenceProfile`).
    """
    from model_registry.drift_tracking import log_drift_report
    from model_registry.reference_profile import last_registration_ms, watched_version
    from pipelines.drift import detect_drift
    from shadowloop.pipeline_metrics import write_drift_metrics
    from shadowloop.prediction_window import export_window, read_window

    settings = settings or get_settings()
    watched = watched_version(spec.name, "champion", settings)
    window = read_window(spec.name, watched.version, settings, now)
    context = {
        "project": spec.name,
        "model_version": watched.version,
        "window_start": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(window.start)),
        "window_end": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(window.end)),
    }
    report = detect_drift(watched.profile, window.frame, spec.drift.psi_threshold, spec.drift.min_window_rows, context)
    run_id = log_drift_report(report, key, settings, **(tags or {}))
    window_uri = export_window(window, spec.name, key, settings) if report.status == "drift" else None
    registered_ms = last_registration_ms(spec.name, settings)
    write_drift_metrics(
        report,
        settings,
        checked_at=window.end,
        served_version=watched.version,
        last_training_at=registered_ms / 1000 if registered_ms else None,
    )
    return DriftOutcome(report, run_id, window_uri)
