"""What the Airflow tasks call beyond the plain steps: resolving a run's spec from trigger params, and
registration with the audited force-promote switch. Kept out of the DAG file so that file stays cheap to parse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shadowloop.spec import ProjectSpec, load_spec


def spec_for_run(spec_path: str | Path, params: dict[str, Any]) -> ProjectSpec:
    """The spec file with the trigger form's overrides (model family and hyper-parameters) applied."""
    spec = load_spec(spec_path)
    overrides: dict[str, Any] = {}
    if params.get("model_family"):
        overrides["model.family"] = params["model_family"]
    if params.get("model_params") is not None:
        overrides["model.params"] = params["model_params"]
    return spec.with_overrides(overrides) if overrides else spec


def register_run(
    run_uri: str, airflow: dict[str, Any], force_promote: bool = False, reason: str = ""
) -> dict[str, Any]:
    """Track, gate and register the run; with `force_promote`, make it champion whatever the gate said (audited).

    Returns the publication as a dict (name, version, decision, reasons) for the task log and XCom.
    """
    from dataclasses import asdict

    from model_registry.aliases import AliasError, promote
    from model_registry.connection import tracking_client
    from model_registry.publish import publish_run
    from shadowloop.monitoring import attach_reference_profile
    from shadowloop.steps import load_summary

    if force_promote and not reason.strip():
        raise ValueError("force_promote needs a force_promote_reason: it is written to the audit trail")
    publication = publish_run(load_summary(run_uri), airflow=airflow)
    attach_reference_profile(run_uri, publication.version)  # the drift monitor's baseline for this version
    result = asdict(publication)
    if force_promote and publication.decision != "champion":
        actor = f"airflow:{airflow.get('dag_id')}/{airflow.get('run_id')}:{airflow.get('triggered_by') or 'ui'}"
        try:
            promote(tracking_client(), publication.name, publication.version, actor, f"forced: {reason}")
            result["decision"] = "champion (forced)"
        except AliasError as error:  # already champion: a retried task must not fail here
            result["force_promote"] = str(error)
    return result
