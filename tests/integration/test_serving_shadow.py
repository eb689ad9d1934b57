"""Shadow mirroring against a real `bentoml serve`: a challenger that raises, hangs or is slow never changes a
primary response (byte-identical apart from the request id) and never fails a request; mirrored answers and
feedback land in the logs."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import yaml

from serving.sources import write_pointer
from tests.fixtures.bentoml_server import ROOT, Bundle, Server, bentoml_serve, copy_bundle, train_fraud_bundle

pytestmark = pytest.mark.integration

RECORD = {
    "amount": 912.5,
    "merchant_category": "electronics",
    "hour": 2,
    "country_mismatch": 1,
    "velocity_1h": 14,
    "account_age_days": 30,
    "distance_km": 400.0,
}
SHADOW_TIMEOUT_MS = 300
SHADOW_IN_FLIGHT = 4


def write_rollout_spec(folder: Path, rollout: dict[str, object], cascade: dict[str, object] | None = None) -> Path:
    """The fraud spec without a cache (every call reaches a model) and with the given rollout."""
    data = yaml.safe_load((ROOT / "specs" / "fraud.yaml").read_text())
    data["serving"]["cache_ttl_s"] = 0
    data["rollout"] = rollout
    if cascade:
        data["cascade"] = cascade
    path = folder / "fraud-rollout.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path, Path, Bundle, Bundle]]:
    folder = tmp_path_factory.mktemp("serving-shadow")
    champion = train_fraud_bundle(folder / "train")
    challenger = copy_bundle(champion, folder / "v2")
    pointer, fault = folder / "aliases.json", folder / "fault"
    fault.write_text("")
    write_pointer(pointer, {"champion": champion.entry("1")})
    spec = write_rollout_spec(
        folder,
        {"mode": "shadow", "shadow_timeout_ms": SHADOW_TIMEOUT_MS, "shadow_max_in_flight": SHADOW_IN_FLIGHT},
    )
    args = {"spec": spec, "source": "local", "pointer": pointer, "shadow_fault_file": fault}
    with bentoml_serve(folder / "home", args, reload_poll_seconds="0.3") as server:
        yield server, pointer, fault, champion, challenger


def _predict(server: Server, record: dict[str, object] = RECORD) -> httpx.Response:
    return httpx.post(f"{server.url}/predict", json={"records": [record]}, headers=server.headers(), timeout=30)


def _without_id(response: httpx.Response) -> bytes:
    assert response.status_code == 200, response.text
    return re.sub(rb'"request_id":"[0-9a-f]+"', b'"request_id":""', response.content)


def _reload(server: Server) -> dict[str, object]:
    response = httpx.post(f"{server.url}/admin/reload", json={}, headers=server.headers(admin=True), timeout=60)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _shadow_count(server: Server, outcome: str) -> float:
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    pattern = rf'shadowloop_serving_shadow_total\{{[^}}]*outcome="{outcome}"[^}}]*\}} ([0-9.e+]+)'
    return sum(float(m) for m in re.findall(pattern, text))


def _with_challenger(server: Server, pointer: Path, champion: Bundle, challenger: Bundle | None) -> None:
    aliases = {"champion": champion.entry("1")} | ({"challenger": challenger.entry("2")} if challenger else {})
    write_pointer(pointer, aliases)
    assert _reload(server)["results"]["challenger"]["version"] == ("2" if challenger else None)  # type: ignore[index]


async def _burst(server: Server, count: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=30, headers=server.headers()) as client:
        return await asyncio.gather(
            *(client.post(f"{server.url}/predict", json={"records": [RECORD]}) for _ in range(count))
        )


@pytest.mark.parametrize("fault", ["raise", "hang", "slow"])
def test_a_misbehaving_shadow_never_changes_or_fails_a_primary_response(setup, fault: str) -> None:  # noqa: ANN001
    server, pointer, fault_file, champion, challenger = setup
    _with_challenger(server, pointer, champion, None)
    baseline = _without_id(_predict(server))

    fault_file.write_text(fault)
    _with_challenger(server, pointer, champion, challenger)
    outcome = {"raise": "error", "hang": "timeout", "slow": "ok"}[fault]
    before = _shadow_count(server, outcome)
    dropped_before = _shadow_count(server, "dropped")
    started = time.monotonic()
    responses = asyncio.run(_burst(server, 40))
    elapsed = time.monotonic() - started
    try:
        assert {_without_id(r) for r in responses} == {baseline}
        assert all(r.headers["x-model-version"] == "1" for r in responses)
        # A hanging shadow costs the caller nothing: 40 answers well inside one shadow timeout each.
        assert elapsed < 40 * SHADOW_TIMEOUT_MS / 1000
        time.sleep(SHADOW_TIMEOUT_MS / 1000 + 0.5)
        assert _shadow_count(server, outcome) > before
        if fault == "hang":
            # Hung work holds its slots: beyond the bound the shadow is dropped (and counted), not queued.
            assert _shadow_count(server, "dropped") >= dropped_before + 40 - SHADOW_IN_FLIGHT
    finally:
        fault_file.write_text("")
    time.sleep(0.3)


def test_mirrored_answers_and_feedback_are_logged(setup) -> None:  # noqa: ANN001
    server, pointer, fault_file, champion, challenger = setup
    _with_challenger(server, pointer, champion, challenger)
    ids = [_predict(server, {**RECORD, "amount": 100.0 + i}).json()["request_id"] for i in range(5)]

    response = httpx.post(
        f"{server.url}/feedback", json={"request_id": ids[0], "outcome": 1}, headers=server.headers(), timeout=30
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"request_id": ids[0], "stored": 1}
    unknown = httpx.post(
        f"{server.url}/feedback", json={"request_id": "ab" * 16, "outcome": 1}, headers=server.headers(), timeout=30
    )
    assert unknown.status_code == 404
    anonymous = httpx.post(f"{server.url}/feedback", json={"request_id": ids[0], "outcome": 1}, timeout=30)
    assert anonymous.status_code == 401

    time.sleep(1.5)  # the shadow log is written in batches, within a second
    engine = sa.create_engine(f"sqlite:///{server.home / 'predictions.db'}")
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT s.challenger_version, s.champion_prediction, s.challenger_prediction, s.error, f.outcome "
                "FROM shadow_predictions s LEFT JOIN feedback f ON f.request_id = s.request_id "
                f"WHERE s.request_id IN ({','.join(repr(i) for i in ids)})"
            )
        ).all()
    engine.dispose()
    assert len(rows) == 5
    assert all(r.challenger_version == "2" and r.error is None for r in rows)
    # The same bundle in both slots: the shadow agrees with the champion on every record.
    assert all(r.champion_prediction == r.challenger_prediction for r in rows)
    assert sorted(r.outcome for r in rows if r.outcome is not None) == ["1"]


def test_removing_the_challenger_alias_stops_the_shadow(setup) -> None:  # noqa: ANN001
    server, pointer, fault_file, champion, challenger = setup
    _with_challenger(server, pointer, champion, challenger)
    _with_challenger(server, pointer, champion, None)
    ok_before = _shadow_count(server, "ok")
    _predict(server)
    time.sleep(0.5)
    assert _shadow_count(server, "ok") == ok_before
