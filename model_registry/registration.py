"""Register a tracked run as a model version: idempotent per run, safe when many processes register at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tenacity import retry, retry_if_exception, stop_after_attempt, wait_random_exponential

from model_registry.tracking import BUNDLE_PATH, TrackedRun

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

RUN_KEY_TAG = "model.run_key"


def _is_transient(error: BaseException) -> bool:
    # SQLite answers concurrent writers with "database is locked"; the server maps that to a 5xx.
    code = getattr(error, "error_code", "")
    return code in {"INTERNAL_ERROR", "TEMPORARILY_UNAVAILABLE", "RESOURCE_CONFLICT", "ABORTED"} or (
        "locked" in str(error).lower()
    )


_retry = retry(
    retry=retry_if_exception(_is_transient),
    stop=stop_after_attempt(6),
    wait=wait_random_exponential(multiplier=0.1, max=2),
    reraise=True,
)


def ensure_registered_model(client: MlflowClient, name: str) -> None:
    """Create the registered model once; a concurrent creator winning the race is fine."""
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
        return
    except MlflowException as error:
        if error.error_code != "RESOURCE_DOES_NOT_EXIST":
            raise
    try:
        client.create_registered_model(
            name,
            description=f"shadowloop project {name}: aliases champion, challenger, "
            "previous; see tags `audit.*` for promotions and rollbacks.",
        )
    except MlflowException as error:
        if error.error_code != "RESOURCE_ALREADY_EXISTS":
            raise


def versions_of_run(client: MlflowClient, name: str, run_id: str) -> list[ModelVersion]:
    """Versions of `name` registered from `run_id`, oldest first."""
    found = client.search_model_versions(f"name = '{name}' and run_id = '{run_id}'")
    return sorted(found, key=lambda v: int(v.version))


def register_version(client: MlflowClient, name: str, tracked: TrackedRun, tags: dict[str, str]) -> ModelVersion:
    """The model version of a tracked run, created on first call and returned unchanged on later ones.

    Two processes registering the same run at the same moment may both create a version; both then see both,
    keep the oldest and delete the other, so exactly one survives.
    """
    ensure_registered_model(client, name)
    existing = versions_of_run(client, name, tracked.run_id)
    if existing:
        return existing[0]
    tags = tags | {RUN_KEY_TAG: tracked.run_key, "model.bundle_path": BUNDLE_PATH}
    created = _retry(client.create_model_version)(
        name, source=tracked.model_uri, run_id=tracked.run_id, tags=tags, model_id=tracked.model_id
    )
    survivors = versions_of_run(client, name, tracked.run_id)
    keep = survivors[0] if survivors else created
    if keep.version != created.version:
        client.delete_model_version(name, created.version)
    return keep
