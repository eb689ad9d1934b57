"""Fallbacks against a real `bentoml serve`: a champion that cannot answer in time is replaced by the
previous version (degraded), and with no fallback the endpoint answers 503 with Retry-After."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest

from serving.sources import write_pointer
from tests.fixtures.bentoml_server import Bundle, Server, bentoml_serve, train_fraud_bundle, write_spec

pytestmark = pytest.mark.integration

RECORD = {
    "amount": 12.5,
    "merchant_category": "gaming",
    "hour": 3,
    "country_mismatch": 0,
    "velocity_1h": 2,
    "account_age_days": 300,
    "distance_km": 4.0,
}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Bundle]:
    folder = tmp_path_factory.mktemp("serving-fallback")
    return folder, train_fraud_bundle(folder / "train")


def _serve(folder: Path, bundle: Bundle, fallback: str) -> AbstractContextManager[Server]:
    here = folder / fallback
    here.mkdir()
    pointer = here / "aliases.json"
    write_pointer(pointer, {"champion": bundle.entry("2"), "previous": bundle.entry("1")})
    # A 1 ms model timeout with a 20 ms batching window: the champion never answers in time.
    spec = write_spec(here, timeout_ms=1, max_latency_ms=20, fallback=fallback, cache_ttl_s=0)
    return bentoml_serve(here / "home", {"spec": spec, "source": "local", "pointer": pointer})


def test_timeout_answers_from_previous_version_degraded(bundle: tuple[Path, Bundle]) -> None:
    folder, trained = bundle
    with _serve(folder, trained, "previous") as server:
        response = httpx.post(f"{server.url}/predict", json={"records": [RECORD]}, headers=server.headers(), timeout=30)
        body = response.json()
        assert response.status_code == 200, body
        assert body["degraded"] is True and body["model_version"] == "1"
        assert body["predictions"][0]["source"] == "fallback"
        metrics = httpx.get(f"{server.url}/metrics", timeout=10).text
        assert 'shadowloop_serving_fallback_total{action="fallback_model",project="fraud",reason="timeout"}' in metrics


def test_no_fallback_is_503_with_retry_after(bundle: tuple[Path, Bundle]) -> None:
    folder, trained = bundle
    with _serve(folder, trained, "none") as server:
        response = httpx.post(f"{server.url}/predict", json={"records": [RECORD]}, headers=server.headers(), timeout=30)
        assert response.status_code == 503
        assert int(response.headers["retry-after"]) > 0
        assert "timeout" in response.text
