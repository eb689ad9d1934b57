"""Canary and cascade against a real `bentoml serve`: the challenger answers its fraction of entities (sticky),
and past an API key's hourly heavy-tier budget the fast tier answers, marked in the response."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from serving.sources import write_pointer
from tests.fixtures.bentoml_server import Server, bentoml_serve, copy_bundle, train_fraud_bundle
from tests.integration.test_serving_shadow import RECORD, write_rollout_spec

pytestmark = pytest.mark.integration
FRACTION = 0.3
BUDGET = 5


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serving-canary")
    champion = train_fraud_bundle(folder / "train")
    pointer = folder / "aliases.json"
    write_pointer(
        pointer,
        {
            "champion": champion.entry("1"),
            "challenger": copy_bundle(champion, folder / "v2").entry("2"),
            "fast": copy_bundle(champion, folder / "v3").entry("3"),
        },
    )
    # min_confidence 1.0: no fast answer is ever sure, so every champion-arm record asks for the heavy tier.
    spec = write_rollout_spec(
        folder,
        {"mode": "canary", "fraction": FRACTION},
        {"enabled": True, "min_confidence": 1.0, "heavy_budget_per_hour": BUDGET},
    )
    with bentoml_serve(folder / "home", {"spec": spec, "source": "local", "pointer": pointer}) as running:
        yield running


async def _calls(server: Server, entities: list[str]) -> list[httpx.Response]:
    limits = asyncio.Semaphore(8)
    async with httpx.AsyncClient(timeout=30, headers=server.headers()) as client:

        async def one(entity: str) -> httpx.Response:
            async with limits:
                return await client.post(
                    f"{server.url}/predict", json={"records": [RECORD]}, headers={"X-Entity-ID": entity}
                )

        return await asyncio.gather(*(one(e) for e in entities))


def test_canary_split_lands_within_tolerance_and_is_sticky(server: Server) -> None:
    entities = [f"customer-{i}" for i in range(600)]
    responses = asyncio.run(_calls(server, entities))
    assert {r.status_code for r in responses} == {200}
    arms = [r.json()["arm"] for r in responses]
    share = arms.count("challenger") / len(arms)
    # 600 draws at p=0.3: three standard deviations are about 0.056.
    assert abs(share - FRACTION) < 0.06, share
    assert all(r.headers["x-model-version"] == "2" for r, a in zip(responses, arms, strict=True) if a == "challenger")
    again = asyncio.run(_calls(server, entities[:50]))
    assert [r.json()["arm"] for r in again] == arms[:50]


def test_heavy_budget_is_a_cost_circuit_breaker(server: Server) -> None:
    # Entities that land on the champion arm, which runs the cascade.
    bodies = []
    for i in range(400):
        response = httpx.post(
            f"{server.url}/predict",
            json={"records": [RECORD]},
            headers={**server.headers(), "X-Entity-ID": f"cascade-{i}"},
            timeout=30,
        )
        if response.json()["arm"] == "champion":
            bodies.append(response.json())
        if len(bodies) == BUDGET + 20:
            break
    tiers = [b["predictions"][0]["tier"] for b in bodies]
    exhausted = [b["heavy_budget_exhausted"] for b in bodies]
    # The first canary test already spent this key's budget: only fast answers are left, each marked.
    assert set(tiers) <= {"fast", "heavy"} and tiers.count("heavy") <= BUDGET
    assert exhausted[-1] is True and tiers[-1] == "fast" and bodies[-1]["model_version"] == "3"
    metrics = httpx.get(f"{server.url}/metrics", timeout=10).text
    assert "shadowloop_serving_heavy_budget_exhausted_total" in metrics
    assert 'tier="fast",reason="budget"' in metrics or 'reason="budget",tier="fast"' in metrics
