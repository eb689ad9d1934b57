"""The endpoint's contract against a real `bentoml serve`: answers, docs, auth matrix, limits, bad input."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from serving.sources import write_pointer
from tests.fixtures.bentoml_server import Server, bentoml_serve, train_fraud_bundle, write_spec

pytestmark = pytest.mark.integration

GOOD = {
    "amount": 12.5,
    "merchant_category": "grocery",
    "hour": 3,
    "country_mismatch": 0,
    "velocity_1h": 2,
    "account_age_days": 300,
    "distance_km": 4.0,
}
BODY_CAP = 200_000
MAX_RECORDS = 200


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serving-api")
    bundle = train_fraud_bundle(folder / "train")
    pointer = folder / "aliases.json"
    write_pointer(pointer, {"champion": bundle.entry("1"), "previous": bundle.entry("0")})
    spec = write_spec(folder, max_records_per_request=MAX_RECORDS)
    args = {"spec": spec, "source": "local", "pointer": pointer, "max_in_flight": 2}
    with bentoml_serve(folder / "home", args, max_request_bytes=str(BODY_CAP)) as running:
        yield running


def post(server: Server, body: object, token: str | None = "api", **kwargs: object) -> httpx.Response:
    headers = {} if token is None else server.headers(admin=token == "admin")
    return httpx.post(f"{server.url}/predict", json=body, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


def test_predict_contract(server: Server) -> None:
    response = post(server, {"records": [GOOD, {**GOOD, "amount": 9000.0, "hour": 2, "velocity_1h": 40}]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model_name"] == "fraud" and body["model_version"] == "1" and body["degraded"] is False
    assert len(body["request_id"]) == 32 and response.headers["x-request-id"] == body["request_id"]
    assert len(body["predictions"]) == 2
    for item in body["predictions"]:
        assert item["prediction"] in (0, 1)
        assert set(item["probabilities"]) == {"0", "1"}
        assert abs(sum(item["probabilities"].values()) - 1) < 1e-9
        assert item["source"] in ("model", "cache")


def test_repeat_is_answered_from_cache(server: Server) -> None:
    record = {**GOOD, "amount": 777.25}
    first = post(server, {"records": [record]}).json()
    second = post(server, {"records": [record]}).json()
    assert first["predictions"][0]["source"] == "model"
    assert second["predictions"][0]["source"] == "cache"
    assert second["predictions"][0]["probabilities"] == first["predictions"][0]["probabilities"]


def test_openapi_documents_the_spec_schema(server: Server) -> None:
    document = httpx.get(f"{server.url}/docs.json", timeout=10).json()
    assert "/predict" in document["paths"]
    text = json.dumps(document)
    assert "crypto_exchange" in text and "merchant_category" in text


@pytest.mark.parametrize(
    ("method", "path", "token", "expected"),
    [
        ("POST", "/predict", None, 401),
        ("POST", "/predict", "wrong", 401),
        ("POST", "/predict", "api", 200),
        ("POST", "/predict", "admin", 200),
        ("POST", "/admin/reload", None, 401),
        ("POST", "/admin/reload", "api", 401),
        ("POST", "/admin/reload", "admin", 200),
        ("GET", "/readyz", None, 200),
        ("GET", "/livez", None, 200),
        ("GET", "/metrics", None, 200),
        ("GET", "/docs.json", None, 200),
    ],
)
def test_auth_matrix(server: Server, method: str, path: str, token: str | None, expected: int) -> None:
    headers = {}
    if token == "wrong":
        headers = {"Authorization": "Bearer not-the-token"}
    elif token is not None:
        headers = server.headers(admin=token == "admin")
    body = {"records": [GOOD]} if path == "/predict" else {}
    response = httpx.request(
        method, f"{server.url}{path}", json=body if method == "POST" else None, headers=headers, timeout=30
    )
    assert response.status_code == expected, response.text


def test_body_over_the_cap_is_413(server: Server) -> None:
    big = {"records": [GOOD] * 5000}
    assert post(server, big).status_code == 413


def test_chunked_body_over_the_cap_is_413(server: Server) -> None:
    payload = json.dumps({"records": [GOOD] * 5000}).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(payload), 16_384):
            yield payload[start : start + 16_384]

    response = httpx.post(
        f"{server.url}/predict",
        content=chunks(),
        timeout=30,
        headers={**server.headers(), "content-type": "application/json"},
    )
    assert response.status_code == 413


def test_pickle_content_type_is_refused(server: Server) -> None:
    response = httpx.post(
        f"{server.url}/predict",
        content=b"\x80\x05K\x01.",
        timeout=10,
        headers={**server.headers(), "content-type": "application/vnd.bentoml+pickle"},
    )
    assert response.status_code == 415


def test_too_many_records_is_4xx_naming_the_field(server: Server) -> None:
    response = post(server, {"records": [GOOD] * (MAX_RECORDS + 1)})
    assert response.status_code == 400
    assert "records" in response.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"records": [{**GOOD, "merchant_category": "casino"}]}, "merchant_category"),
        ({"records": [{**GOOD, "hour": "3"}]}, "hour"),
        ({"records": [{k: v for k, v in GOOD.items() if k != "distance_km"}]}, "distance_km"),
        ({"records": [{**GOOD, "surprise": 1}]}, "surprise"),
        ({"records": []}, "records"),
        ({"rows": [GOOD]}, "records"),
    ],
)
def test_bad_records_name_the_field(server: Server, body: object, field: str) -> None:
    response = post(server, body)
    assert 400 <= response.status_code < 500
    assert field in response.text


@pytest.mark.parametrize(
    "raw", [b"{", b"not json", b'{"records": [{"amount": NaN}]}', b'{"records":[{"amount":Infinity}]}', b""]
)
def test_malformed_json_is_4xx(server: Server, raw: bytes) -> None:
    response = httpx.post(
        f"{server.url}/predict",
        content=raw,
        timeout=10,
        headers={**server.headers(), "content-type": "application/json"},
    )
    assert 400 <= response.status_code < 500, response.text


def test_concurrency_over_the_cap_is_429(server: Server) -> None:
    body = {"records": [{**GOOD, "amount": float(i)} for i in range(MAX_RECORDS)]}

    async def burst() -> list[int]:
        async with httpx.AsyncClient(timeout=30, headers=server.headers()) as client:
            responses = await asyncio.gather(*(client.post(f"{server.url}/predict", json=body) for _ in range(24)))
        return [r.status_code for r in responses]

    codes = asyncio.run(burst())
    assert 429 in codes and 200 in codes
    assert set(codes) <= {200, 429}


def test_prediction_log_and_metrics(server: Server) -> None:
    response = post(server, {"records": [{**GOOD, "amount": 4242.0}]})
    request_id = response.json()["request_id"]
    database = server.home / "predictions.db"
    deadline = time.monotonic() + 10
    rows: list[tuple[object, ...]] = []
    while time.monotonic() < deadline and not rows:
        time.sleep(0.3)
        with sqlite3.connect(database) as connection:
            rows = connection.execute(
                "select model_version, features, prediction, cache_hit, latency_ms from predictions where request_id=?",
                (request_id,),
            ).fetchall()
    assert rows and rows[0][0] == "1" and json.loads(str(rows[0][1]))["amount"] == 4242.0
    metrics = httpx.get(f"{server.url}/metrics", timeout=10).text
    for name in (
        "shadowloop_serving_request_seconds_bucket",
        "shadowloop_serving_batch_records_bucket",
        'shadowloop_serving_cache_total{project="fraud",result="hit"}',
        'shadowloop_serving_responses_total{project="fraud",status="401"}',
        'shadowloop_serving_model_info{alias="champion",project="fraud",version="1"} 1.0',
    ):
        assert name in metrics, name


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = st.sampled_from([*GOOD, "records", "extra"])
RECORDS = st.dictionaries(FIELDS, JSON_VALUES, max_size=9) | st.builds(
    lambda key, value: {**GOOD, key: value}, FIELDS, JSON_VALUES
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.one_of(JSON_VALUES, st.builds(lambda rs: {"records": rs}, st.lists(RECORDS, max_size=3))))
def test_fuzzed_bodies_never_5xx(server: Server, body: object) -> None:
    text = json.dumps(body, allow_nan=True)
    response = httpx.post(
        f"{server.url}/predict",
        content=text,
        timeout=30,
        headers={**server.headers(), "content-type": "application/json"},
    )
    assert response.status_code < 500, (text, response.status_code, response.text)
