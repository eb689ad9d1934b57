"""The Redis prediction cache against a real redis-server and `bentoml serve`: shared hits, and Redis killed
mid-load costs no request."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from serving.sources import write_pointer
from tests.fixtures.bentoml_server import Server, bentoml_serve, train_fraud_bundle
from tests.fixtures.redis_server import RedisServer, running_redis

pytestmark = pytest.mark.integration

RECORD = {
    "amount": 12.5,
    "merchant_category": "travel",
    "hour": 3,
    "country_mismatch": 1,
    "velocity_1h": 2,
    "account_age_days": 300,
    "distance_km": 4.0,
}


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, RedisServer]]:
    folder = tmp_path_factory.mktemp("serving-redis")
    with running_redis(folder) as redis_server:
        bundle = train_fraud_bundle(folder / "train")
        pointer = folder / "aliases.json"
        write_pointer(pointer, {"champion": bundle.entry("1")})
        args = {"spec": Path("specs/fraud.yaml").resolve(), "source": "local", "pointer": pointer}
        with bentoml_serve(folder / "home", args, redis_url=redis_server.url) as server:
            yield server, redis_server


def _predict(server: Server, amount: float) -> httpx.Response:
    record = {**RECORD, "amount": amount}
    return httpx.post(f"{server.url}/predict", json={"records": [record]}, headers=server.headers(), timeout=30)


def test_answers_are_cached_in_redis(setup: tuple[Server, RedisServer]) -> None:
    server, redis_server = setup
    assert _predict(server, 31.0).json()["predictions"][0]["source"] == "model"
    time.sleep(0.2)  # the cache write happens after the answer
    assert _predict(server, 31.0).json()["predictions"][0]["source"] == "cache"
    keys = redis_server.client().keys("sl:fraud:1:*")
    assert keys and redis_server.client().ttl(keys[0]) > 0


def test_redis_killed_mid_load_costs_no_request(setup: tuple[Server, RedisServer]) -> None:
    server, redis_server = setup

    async def load(seconds: float) -> Counter[str]:
        outcomes: Counter[str] = Counter()
        deadline = time.monotonic() + seconds

        async def worker(index: int) -> None:
            async with httpx.AsyncClient(timeout=30, headers=server.headers()) as client:
                n = 0
                while time.monotonic() < deadline:
                    n += 1
                    # Half repeats, so both the hit and the miss path run while Redis dies.
                    amount = float(n % 5) if n % 2 else float(index * 100_000 + n)
                    record = {**RECORD, "amount": amount}
                    response = await client.post(f"{server.url}/predict", json={"records": [record]})
                    outcomes[str(response.status_code)] += 1
                    if response.status_code == 200:
                        outcomes[response.json()["predictions"][0]["source"]] += 1

        await asyncio.gather(*(worker(i) for i in range(6)))
        return outcomes

    async def scenario() -> Counter[str]:
        task = asyncio.create_task(load(5))
        await asyncio.sleep(1.5)
        redis_server.kill()
        return await task

    outcomes = asyncio.run(scenario())
    assert outcomes["200"] > 0 and set(outcomes) <= {"200", "model", "cache"}, outcomes

    # Redis comes back on the same port: the cache is used again without a restart of the endpoint.
    redis_server.start()
    deadline = time.monotonic() + 10
    source = ""
    while time.monotonic() < deadline and source != "cache":
        _predict(server, 55.0)
        time.sleep(0.3)
        source = _predict(server, 55.0).json()["predictions"][0]["source"]
    assert source == "cache"
