"""Thousands of hostile bodies against the service's ASGI app in-process (`to_asgi()`, real model, real
middleware): none may get a 5xx. The smaller run against a real `bentoml serve` is in test_serving_api."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from serving.sources import write_pointer
from tests.fixtures.bentoml_server import API_TOKEN, server_env, train_fraud_bundle

pytestmark = [pytest.mark.integration, pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")]

GOOD: dict[str, Any] = {
    "amount": 12.5,
    "merchant_category": "grocery",
    "hour": 3,
    "country_mismatch": 0,
    "velocity_1h": 2,
    "account_age_days": 300,
    "distance_km": 4.0,
}
HEADERS = {"Authorization": f"Bearer {API_TOKEN}", "content-type": "application/json"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from bentoml._internal.utils.args import set_arguments

    folder = tmp_path_factory.mktemp("serving-fuzz")
    bundle = train_fraud_bundle(folder / "train")
    pointer = folder / "aliases.json"
    write_pointer(pointer, {"champion": bundle.entry("1"), "previous": bundle.entry("0")})
    saved = dict(os.environ)
    os.environ.update(server_env(folder / "home"))
    set_arguments({"spec": "specs/fraud.yaml", "source": "local", "pointer": str(pointer), "log_enabled": False})
    try:
        from shadowloop.settings import get_settings

        get_settings.cache_clear()
        from serving.service import ChampionService

        with TestClient(ChampionService.to_asgi()) as test_client:
            yield test_client
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_in_process_app_answers(client: TestClient) -> None:
    response = client.post("/predict", json={"records": [GOOD]}, headers=HEADERS)
    assert response.status_code == 200, response.text
    assert response.json()["model_version"] == "1"


SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = st.sampled_from([*GOOD, "records", "transaction_id", "is_fraud", ""])
RECORDS = st.one_of(
    st.dictionaries(FIELDS, JSON_VALUES, max_size=9),
    st.builds(lambda key, value: {**GOOD, key: value}, FIELDS, JSON_VALUES),
    st.builds(lambda key: {k: v for k, v in GOOD.items() if k != key}, FIELDS),
    JSON_VALUES,
)
BODIES = st.one_of(
    JSON_VALUES,
    st.builds(lambda rs: {"records": rs}, st.lists(RECORDS, max_size=4)),
    st.builds(lambda rs, k, v: {"records": rs, k: v}, st.lists(RECORDS, max_size=2), st.text(max_size=6), SCALARS),
)


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=BODIES)
def test_fuzzed_json_bodies_never_5xx(client: TestClient, body: object) -> None:
    text = json.dumps(body, allow_nan=True)
    response = client.post("/predict", content=text, headers=HEADERS)
    assert response.status_code < 500, (text, response.status_code, response.text)
    if response.status_code == 200:
        assert len(response.json()["predictions"]) == len(body["records"])  # type: ignore[index]


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=st.binary(max_size=200), content_type=st.sampled_from(["application/json", "text/plain", "", "x/y"]))
def test_fuzzed_raw_bytes_never_5xx(client: TestClient, raw: bytes, content_type: str) -> None:
    response = client.post("/predict", content=raw, headers={**HEADERS, "content-type": content_type})
    assert response.status_code < 500, (raw, response.status_code, response.text)
