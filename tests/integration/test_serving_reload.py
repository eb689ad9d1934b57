"""Hot reload against a real `bentoml serve`: the alias moves under load with no failed request, and a
corrupt version is refused while the old one keeps serving."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from serving.sources import write_pointer
from tests.fixtures.bentoml_server import Bundle, Server, bentoml_serve, copy_bundle, train_fraud_bundle

pytestmark = pytest.mark.integration

RECORD = {
    "amount": 12.5,
    "merchant_category": "fuel",
    "hour": 3,
    "country_mismatch": 0,
    "velocity_1h": 2,
    "account_age_days": 300,
    "distance_km": 4.0,
}


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path, Bundle]]:
    folder = tmp_path_factory.mktemp("serving-reload")
    bundle = train_fraud_bundle(folder / "train")
    pointer = folder / "aliases.json"
    write_pointer(pointer, {"champion": bundle.entry("1")})
    args = {"spec": Path("specs/fraud.yaml").resolve(), "source": "local", "pointer": pointer, "log_enabled": False}
    with bentoml_serve(folder / "home", args, reload_poll_seconds="0.3") as server:
        yield server, pointer, bundle


async def _load(server: Server, seconds: float, concurrency: int = 8) -> tuple[Counter[int], Counter[str]]:
    statuses: Counter[int] = Counter()
    versions: Counter[str] = Counter()
    deadline = time.monotonic() + seconds

    async def worker(index: int) -> None:
        async with httpx.AsyncClient(timeout=30, headers=server.headers()) as client:
            n = 0
            while time.monotonic() < deadline:
                n += 1
                # Distinct amounts: every call reaches the model, none is a cache hit.
                record = {**RECORD, "amount": float(index * 1_000_000 + n)}
                try:
                    response = await client.post(f"{server.url}/predict", json={"records": [record]})
                except httpx.HTTPError:
                    statuses[-1] += 1
                    continue
                statuses[response.status_code] += 1
                if response.status_code == 200:
                    body = response.json()
                    versions[body["model_version"]] += 1
                    assert body["degraded"] is False

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return statuses, versions


def _version(server: Server) -> str:
    response = httpx.post(f"{server.url}/predict", json={"records": [RECORD]}, headers=server.headers(), timeout=30)
    return str(response.json()["model_version"])


def test_alias_move_under_load_fails_no_request(setup: tuple[Server, Path, Bundle], tmp_path: Path) -> None:
    server, pointer, bundle = setup
    second = copy_bundle(bundle, tmp_path / "v2")

    async def scenario() -> tuple[Counter[int], Counter[str]]:
        load = asyncio.create_task(_load(server, seconds=6))
        await asyncio.sleep(1.5)
        write_pointer(pointer, {"champion": second.entry("2")})
        return await load

    statuses, versions = asyncio.run(scenario())
    assert set(statuses) == {200}, statuses
    assert versions["1"] > 0 and versions["2"] > 0, versions
    assert _version(server) == "2"


def test_corrupt_version_is_refused_and_old_keeps_serving(setup: tuple[Server, Path, Bundle], tmp_path: Path) -> None:
    server, pointer, bundle = setup
    before = _version(server)
    corrupt = copy_bundle(bundle, tmp_path / "v3", corrupt=True)
    write_pointer(pointer, {"champion": corrupt.entry("3")})
    reload = httpx.post(f"{server.url}/admin/reload", json={}, headers=server.headers(admin=True), timeout=30)
    assert reload.status_code == 200
    result = reload.json()
    assert result["serving"] == before
    statuses, versions = asyncio.run(_load(server, seconds=1.5, concurrency=4))
    assert set(statuses) == {200} and set(versions) == {before}
    metrics = httpx.get(f"{server.url}/metrics", timeout=10).text
    assert 'shadowloop_serving_reload_total{alias="champion",outcome="refused",project="fraud"}' in metrics
    assert "refused" in server.log.read_text()
    # A wrong digest in the pointer (tampered manifest) is refused the same way.
    write_pointer(pointer, {"champion": {**bundle.entry("4"), "manifest_sha256": "0" * 64}})
    reload = httpx.post(f"{server.url}/admin/reload", json={}, headers=server.headers(admin=True), timeout=30)
    assert reload.json()["results"]["champion"]["outcome"] in ("refused", "unchanged")
    assert _version(server) == before
