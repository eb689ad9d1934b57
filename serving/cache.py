"""The prediction cache: Redis when configured, an in-process TTL+LRU otherwise.

The cache must never fail a request: Redis errors or slowness are swallowed, the cache is bypassed for a short
back-off, and it is used again as soon as Redis answers.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from typing import Any, Protocol

from cachetools import TTLCache

logger = logging.getLogger(__name__)


class PredictionCache(Protocol):
    """Answers stored by cache key."""

    kind: str

    async def get_many(self, keys: Sequence[str]) -> list[dict[str, Any] | None]:
        """One entry (or None) per key; never raises."""
        ...

    async def set_many(self, items: dict[str, dict[str, Any]]) -> None:
        """Store answers with the cache's TTL; never raises."""
        ...


class NoCache:
    """Caching off (TTL 0 in the spec)."""

    kind = "none"

    async def get_many(self, keys: Sequence[str]) -> list[dict[str, Any] | None]:
        return [None] * len(keys)

    async def set_many(self, items: dict[str, dict[str, Any]]) -> None:
        return None


class LocalCache:
    """In-process TTL cache with LRU eviction (one per worker)."""

    kind = "local"

    def __init__(self, max_entries: int, ttl_s: float):
        self._entries: TTLCache[str, dict[str, Any]] = TTLCache(maxsize=max(1, max_entries), ttl=ttl_s)

    async def get_many(self, keys: Sequence[str]) -> list[dict[str, Any] | None]:
        return [self._entries.get(key) for key in keys]

    async def set_many(self, items: dict[str, dict[str, Any]]) -> None:
        self._entries.update(items)


class RedisCache:
    """Redis with short socket timeouts and a circuit breaker, so a dead Redis costs at most one timeout per
    back-off period instead of one per request."""

    kind = "redis"

    def __init__(self, url: str, ttl_s: int, timeout_s: float = 0.05, backoff_s: float = 1.0):
        import redis.asyncio as aioredis

        self.ttl_s = ttl_s
        self.backoff_s = backoff_s
        self._client = aioredis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s, retry_on_timeout=False
        )
        self._down_until = 0.0
        self.errors = 0

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _trip(self, error: Exception) -> None:
        if self.available:
            logger.warning("redis cache unavailable, bypassing for %.1fs: %s", self.backoff_s, error)
        self.errors += 1
        self._down_until = time.monotonic() + self.backoff_s

    async def get_many(self, keys: Sequence[str]) -> list[dict[str, Any] | None]:
        if not keys or not self.available:
            return [None] * len(keys)
        try:
            raw = await self._client.mget(list(keys))
        except Exception as error:  # any Redis or socket failure means "no cache", never a failed request
            self._trip(error)
            return [None] * len(keys)
        return [json.loads(value) if value is not None else None for value in raw]

    async def set_many(self, items: dict[str, dict[str, Any]]) -> None:
        if not items or not self.available:
            return
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for key, value in items.items():
                    pipe.set(key, json.dumps(value, separators=(",", ":")), ex=self.ttl_s)
                await pipe.execute()
        except Exception as error:
            self._trip(error)

    async def close(self) -> None:
        try:
            await self._client.aclose()
        except Exception:  # closing a dead connection is not worth a log line
            pass


def make_cache(redis_url: str | None, ttl_s: int, max_entries: int) -> PredictionCache:
    """Redis when a URL is configured, the in-process LRU otherwise, nothing when the TTL is 0."""
    if ttl_s <= 0:
        return NoCache()
    if redis_url:
        return RedisCache(redis_url, ttl_s)
    return LocalCache(max_entries, ttl_s)
