"""The endpoint following MLflow aliases: a real `mlflow server`, a real `bentoml serve`; promotion moves
`champion` and the admin reload call (what the promotion task uses) swaps the served version."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from model_registry.aliases import promote
from model_registry.connection import tracking_client
from model_registry.publish import publish_run
from shadowloop.runner import RunSummary
from shadowloop.settings import Settings
from tests.fixtures.bentoml_server import bentoml_serve
from tests.fixtures.mlflow_server import MlflowServer, as_project

pytestmark = pytest.mark.integration

RECORD = {
    "amount": 12.5,
    "merchant_category": "electronics",
    "hour": 3,
    "country_mismatch": 0,
    "velocity_1h": 2,
    "account_age_days": 300,
    "distance_km": 4.0,
}


def test_serves_the_mlflow_champion_and_follows_promotion(
    trained_fraud: RunSummary, mlflow_settings: Settings, mlflow_server: MlflowServer, tmp_path: Path
) -> None:
    summary = as_project(trained_fraud)
    first = publish_run(summary, mlflow_settings, airflow={"dag_id": "train", "run_id": "r1", "try_number": 1})
    second = publish_run(summary, mlflow_settings, airflow={"dag_id": "train", "run_id": "r2", "try_number": 1})
    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text(yaml.safe_dump(summary.spec.model_dump(mode="json", by_alias=True)))
    args = {"spec": spec_path, "source": "mlflow"}
    with bentoml_serve(tmp_path / "serving", args, mlflow_tracking_uri=mlflow_server.url) as server:

        def ask() -> dict[str, object]:
            response = httpx.post(
                f"{server.url}/predict", json={"records": [RECORD]}, headers=server.headers(), timeout=30
            )
            assert response.status_code == 200, response.text
            return dict(response.json())

        assert ask()["model_version"] == first.version
        promote(tracking_client(mlflow_settings), first.name, second.version, actor="test", reason="serving test")
        reload = httpx.post(f"{server.url}/admin/reload", json={}, headers=server.headers(admin=True), timeout=60)
        assert reload.status_code == 200, reload.text
        assert reload.json()["serving"] == second.version
        body = ask()
        assert body["model_version"] == second.version and body["degraded"] is False
        # The former champion is now `previous`: the fallback slot follows it.
        assert reload.json()["results"]["previous"]["version"] == first.version
