"""Lineage tags: from any model version back to its data snapshot, validation, code, device and orchestrator run."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shadowloop.runner import Trained

AIRFLOW_KEYS = ("dag_id", "run_id", "try_number")
_REPO = Path(__file__).resolve().parents[1]


@functools.cache
def git_commit(repo: Path = _REPO) -> str:
    """The commit of the code that trained the model ("unknown" outside a git checkout), "-dirty" if edited."""
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "diff", "--quiet", "HEAD", "--"], capture_output=True, timeout=5
        ).returncode
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}-dirty" if dirty == 1 else head


def airflow_tags(airflow: dict[str, Any] | None) -> dict[str, str]:
    """`airflow.dag_id`, `airflow.run_id`, `airflow.try_number` from the task context values we were given."""
    if not airflow:
        return {}
    return {f"airflow.{key}": str(airflow[key]) for key in AIRFLOW_KEYS if airflow.get(key) is not None}


def lineage_tags(summary: Trained, airflow: dict[str, Any] | None = None) -> dict[str, str]:
    """Tags that lead from a model version back to the exact snapshot and the run that made it."""
    snapshot, validation = summary.snapshot, summary.validation
    tags = {
        "lineage.dataset_uri": snapshot.uri,
        "lineage.dataset_sha256": snapshot.sha256,
        "lineage.dataset_source": snapshot.source,
        "lineage.dataset_rows": str(snapshot.rows),
        "lineage.validation": "passed" if validation.success else "failed",
        "lineage.validation_report": validation.report_uri,
        "lineage.git_commit": git_commit(),
        "lineage.training_device": summary.train.device,
        "model.family": summary.spec.model.family,
        "model.manifest_sha256": summary.model_sha256,
    }
    return tags | airflow_tags(airflow)
