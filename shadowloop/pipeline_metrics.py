"""Prometheus metrics of the pipelines, written as textfiles and served by one small exporter.

Why textfiles: an Airflow task lives for seconds, so nothing can scrape it, and a Pushgateway would keep a dead
task's series forever and add a service to run. Each drift check instead rewrites one file per project
(atomically, by prometheus_client's `write_to_textfile`); `shadowloop drift metrics` serves the folder on
127.0.0.1 for Prometheus to scrape, and node_exporter's textfile collector can read the same folder instead.
Times are exported as Unix timestamps (`..._timestamp_seconds`): dashboards compute `time() - x`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from shadowloop.settings import Settings

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

    from pipelines.drift import DriftReport

PREFIX = "shadowloop"
_STATUSES = ("drift", "no_drift", "insufficient_data")


def metrics_dir(settings: Settings) -> Path:
    """The folder of the pipelines' textfiles."""
    return (settings.metrics_dir or settings.home / "metrics").resolve()


def write_drift_metrics(
    report: DriftReport,
    settings: Settings,
    checked_at: float,
    served_version: str | None,
    last_training_at: float | None,
) -> Path:
    """Rewrite `<metrics_dir>/drift_<project>.prom` with the outcome of one check.

    Args:
        report: The check's outcome (its context names the project).
        settings: Where the folder is.
        checked_at: Unix time of the check.
        served_version: The champion version the check watched.
        last_training_at: Unix time of the project's newest registered model version.
    """
    from prometheus_client import CollectorRegistry, Gauge, write_to_textfile

    project = report.context["project"]
    registry = CollectorRegistry()
    psi = Gauge(f"{PREFIX}_drift_psi", "PSI of a feature in the last check.", ["project", "feature"], registry=registry)
    for feature in report.features:
        psi.labels(project, feature.name).set(feature.psi)
    moved = Gauge(
        f"{PREFIX}_drift_feature_drifted", "1 when the feature moved.", ["project", "feature"], registry=registry
    )
    for feature in report.features:
        moved.labels(project, feature.name).set(1.0 if feature.drifted else 0.0)
    status = Gauge(
        f"{PREFIX}_drift_status", "1 for the last check's outcome.", ["project", "status"], registry=registry
    )
    for name in _STATUSES:
        status.labels(project, name).set(1.0 if report.status == name else 0.0)
    Gauge(f"{PREFIX}_drift_window_rows", "Rows in the last window.", ["project"], registry=registry).labels(
        project
    ).set(report.window_rows)
    Gauge(f"{PREFIX}_drift_threshold", "The spec's PSI threshold.", ["project"], registry=registry).labels(project).set(
        report.psi_threshold
    )
    Gauge(
        f"{PREFIX}_drift_last_check_timestamp_seconds", "When the last check ran.", ["project"], registry=registry
    ).labels(project).set(checked_at)
    if last_training_at is not None:
        Gauge(
            f"{PREFIX}_training_last_success_timestamp_seconds",
            "When the newest model version was registered (end of the last successful training).",
            ["project"],
            registry=registry,
        ).labels(project).set(last_training_at)
    if served_version is not None and served_version.isdigit():
        Gauge(
            f"{PREFIX}_registry_served_version", "Version behind an alias.", ["project", "alias"], registry=registry
        ).labels(project, "champion").set(float(served_version))
    folder = metrics_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"drift_{project}.prom"
    write_to_textfile(str(path), registry)
    return path


class TextfileCollector:
    """Collects every `*.prom` file of a folder at scrape time (a file rewritten between scrapes is re-read)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.parser import text_string_to_metric_families

        for path in sorted(self.folder.glob("*.prom")):
            try:
                yield from text_string_to_metric_families(path.read_text())
            except (OSError, ValueError):  # a file being replaced or hand-broken must not fail the scrape
                continue


def serve_textfiles(settings: Settings) -> None:
    """Serve the textfile folder on `127.0.0.1:<metrics_port>/metrics` until interrupted."""
    import time

    from prometheus_client import CollectorRegistry, start_http_server

    registry = CollectorRegistry()
    registry.register(TextfileCollector(metrics_dir(settings)))
    start_http_server(settings.metrics_port, addr="127.0.0.1", registry=registry)
    while True:
        time.sleep(3600)
