"""Batching, caches and model slots on their own, with tiny in-memory models."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from pipelines.model_bundle import ModelIntegrityError
from serving.batching import MicroBatcher
from serving.cache import LocalCache, RedisCache
from serving.model_slot import ModelSlot
from serving.sources import LocalPointerSource, ModelRef, write_pointer

pytestmark = pytest.mark.unit


def test_concurrent_requests_share_batches_and_keep_order() -> None:
    sizes: list[int] = []

    def run(records: list[int]) -> tuple[list[int], str]:
        time.sleep(0.01)  # a model call that costs time, so requests queue up behind it
        return [r * 2 for r in records], "v1"

    async def scenario() -> list[tuple[list[int], str]]:
        batcher = MicroBatcher(run, max_batch_size=16, max_latency_ms=50, on_batch=sizes.append)
        results = await asyncio.gather(*(batcher.submit([i, i + 100]) for i in range(20)))
        batcher.close()
        return results

    results = asyncio.run(scenario())
    assert [r[0] for r in results] == [[i * 2, (i + 100) * 2] for i in range(20)]
    assert sum(sizes) == 40 and max(sizes) > 2 and max(sizes) <= 16


def test_model_error_reaches_every_request_of_the_batch() -> None:
    def run(records: list[int]) -> tuple[list[int], str]:
        raise RuntimeError("boom")

    async def scenario() -> list[Any]:
        batcher = MicroBatcher(run, max_batch_size=8, max_latency_ms=5)
        results = await asyncio.gather(*(batcher.submit([i]) for i in range(3)), return_exceptions=True)
        batcher.close()
        return results

    assert all(isinstance(r, RuntimeError) for r in asyncio.run(scenario()))


def test_batching_off_runs_each_request_alone() -> None:
    sizes: list[int] = []

    async def scenario() -> None:
        batcher = MicroBatcher(lambda r: (r, None), 64, 50, enabled=False, on_batch=sizes.append)
        await asyncio.gather(*(batcher.submit([i, i]) for i in range(5)))
        batcher.close()

    asyncio.run(scenario())
    assert sizes == [2] * 5


def test_local_cache_hits_and_expires() -> None:
    async def scenario() -> None:
        cache = LocalCache(max_entries=10, ttl_s=0.2)
        await cache.set_many({"a": {"prediction": 1}})
        assert await cache.get_many(["a", "b"]) == [{"prediction": 1}, None]
        await asyncio.sleep(0.3)
        assert await cache.get_many(["a"]) == [None]

    asyncio.run(scenario())


def test_redis_down_is_a_silent_miss() -> None:
    from tests.fixtures.ports import free_port

    async def scenario() -> None:
        cache = RedisCache(f"redis://127.0.0.1:{free_port()}/0", ttl_s=10, backoff_s=60)
        started = time.perf_counter()
        assert await cache.get_many(["a", "b"]) == [None, None]
        await cache.set_many({"a": {"prediction": 1}})
        # Tripped: the next calls do not even try the socket.
        assert await cache.get_many(["a"]) == [None]
        assert time.perf_counter() - started < 1.0 and cache.errors == 1
        await cache.close()

    asyncio.run(scenario())


class _Source:
    """Loads "models" that are just their version string; version "bad" fails verification."""

    def __init__(self, pointer: Path):
        self.inner = LocalPointerSource("p", pointer)

    def resolve(self, alias: str) -> ModelRef:
        return self.inner.resolve(alias)

    def load(self, ref: ModelRef) -> Any:
        if ref.version == "bad":
            raise ModelIntegrityError("sha256 does not match")
        return f"model-{ref.version}"


def test_slot_swaps_refuses_and_keeps_serving(tmp_path: Path) -> None:
    pointer = tmp_path / "aliases.json"
    events: list[tuple[str, str, str | None]] = []
    slot = ModelSlot("champion", _Source(pointer), on_event=lambda *e: events.append(e))

    def point(version: str) -> None:
        write_pointer(pointer, {"champion": {"version": version, "local_dir": "x", "manifest_sha256": version}})

    async def scenario() -> None:
        assert (await slot.refresh()).outcome == "missing"
        point("1")
        assert (await slot.refresh()).outcome == "swapped"
        assert (await slot.refresh()).outcome == "unchanged"
        point("bad")
        assert (await slot.refresh()).outcome == "refused"
        assert slot.current is not None and slot.current.model == "model-1"
        assert (await slot.refresh()).outcome == "unchanged"  # refused once, not retried every poll
        point("2")
        assert (await slot.refresh()).outcome == "swapped"

    asyncio.run(scenario())
    assert slot.version == "2"
    assert [e[1] for e in events] == ["missing", "swapped", "refused", "swapped"]
    assert json.loads(pointer.read_text())["champion"]["version"] == "2"
