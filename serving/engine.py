"""The answer path of one request, free of BentoML: cache -> batched champion -> fallback -> log.

The service class only wires HTTP to `PredictionEngine.answer`; tests and benchmarks can drive it directly.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from serving.answers import predict_records
from serving.batching import MicroBatcher
from serving.cache import PredictionCache
from serving.cache_keys import cache_key
from serving.fallback import FallbackDecision, decide
from serving.metrics import ServingMetrics
from serving.model_slot import ModelSlot
from serving.prediction_log import PredictionLog

logger = logging.getLogger(__name__)


@dataclass
class Answer:
    """A request's answers, ready to serialise; `unavailable` means 503."""

    request_id: str
    model_name: str
    model_version: str
    degraded: bool
    predictions: list[dict[str, Any]] = field(default_factory=list)
    unavailable: bool = False
    reason: str = ""


class ModelUnavailable(RuntimeError):
    """No model is loaded in the slot."""


class PredictionEngine:
    """Answers records for one project.

    Args:
        project: Project name (cache keys, metrics, log).
        features: Feature columns, in the model's order (cache keys hash only these).
        champion: The slot that answers.
        fallback: The slot that answers when the champion cannot (None: no fallback).
        cache: Prediction cache.
        metrics: Prometheus metrics.
        log: Prediction log (None: off).
        max_batch_size: Records per model call.
        max_latency_ms: Longest a batch waits to fill.
        timeout_ms: Longest a request waits for the model before falling back.
        batching: Adaptive batching on or off.
        model_threads: OpenMP/BLAS threads the model may use.
    """

    def __init__(
        self,
        project: str,
        features: list[str],
        champion: ModelSlot,
        fallback: ModelSlot | None,
        cache: PredictionCache,
        metrics: ServingMetrics,
        log: PredictionLog | None,
        max_batch_size: int,
        max_latency_ms: int,
        timeout_ms: int,
        batching: bool = True,
        model_threads: int = 1,
    ):
        self.project = project
        self.features = features
        self.champion = champion
        self.fallback = fallback
        self.cache = cache
        self.metrics = metrics
        self.log = log
        self.timeout_s = timeout_ms / 1000
        # The fallback is the last resort before a 503, so it gets at least a second even when the
        # champion's budget is tighter.
        self.fallback_timeout_s = max(self.timeout_s, 1.0)
        self.batcher: MicroBatcher[dict[str, Any]] = MicroBatcher(
            self._run_champion,
            max_batch_size,
            max_latency_ms,
            enabled=batching,
            on_batch=metrics.observe_batch,
            model_threads=model_threads,
        )
        self._background: set[asyncio.Task[None]] = set()
        self.model_calls = 0

    def _run_champion(self, records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], tuple[str, str]]:
        # Read the slot once per batch: a swap during the call cannot mix two models in one batch.
        loaded = self.champion.current
        if loaded is None:
            raise ModelUnavailable("no champion model is loaded")
        self.model_calls += 1
        return predict_records(loaded.model, records), (loaded.ref.name, loaded.ref.version)

    async def answer(self, records: list[dict[str, Any]]) -> Answer:
        """Answer every record, from cache, champion or fallback; never raises for a model failure."""
        started = time.perf_counter()
        request_id = uuid.uuid4().hex
        current = self.champion.current
        name = current.ref.name if current else self.project
        version = current.ref.version if current else ""
        keys = [cache_key(self.project, version, r, self.features) for r in records] if current else []
        cached = await self.cache.get_many(keys) if current else [None] * len(records)
        missing = [i for i, hit in enumerate(cached) if hit is None]
        self.metrics.observe_cache(len(records) - len(missing), len(missing))
        answers: list[dict[str, Any] | None] = list(cached)
        sources = ["cache" if hit is not None else "" for hit in cached]
        failure = ""
        if missing:
            try:
                fresh, (name, version) = await asyncio.wait_for(
                    self.batcher.submit([records[i] for i in missing]), self.timeout_s
                )
            except TimeoutError:
                failure = "timeout"
            except ModelUnavailable:
                failure = "no model"
            except Exception as error:  # a model bug must not become a 5xx: fall back and count it
                logger.exception("champion failed on %d records", len(missing))
                failure = f"error: {type(error).__name__}"
            else:
                for i, item in zip(missing, fresh, strict=True):
                    answers[i], sources[i] = item, "model"
                self._spawn(self.cache.set_many({keys[i]: fresh_i for i, fresh_i in zip(missing, fresh, strict=True)}))
        fallback_loaded = self.fallback.current if self.fallback else None
        decision: FallbackDecision = decide(not failure, len(missing), fallback_loaded is not None, failure)
        if decision.degraded:
            self.metrics.observe_fallback(decision.action, decision.reason.split(":")[0])
        if decision.action == "unavailable":
            return Answer(request_id, name, version, True, unavailable=True, reason=decision.reason)
        if decision.action == "fallback_model":
            assert fallback_loaded is not None
            try:
                fresh = await asyncio.wait_for(
                    asyncio.to_thread(predict_records, fallback_loaded.model, [records[i] for i in missing]),
                    self.fallback_timeout_s,
                )
            except Exception as error:  # the fallback failed too: nothing left to answer with
                logger.error("fallback model failed: %s", error)
                return Answer(request_id, name, version, True, unavailable=True, reason=f"{failure}; fallback failed")
            for i, item in zip(missing, fresh, strict=True):
                answers[i], sources[i] = item, "fallback"
            name, version = fallback_loaded.ref.name, fallback_loaded.ref.version
        seconds = time.perf_counter() - started
        self.metrics.latency.labels(self.project, version).observe(seconds)
        predictions = [{**a, "source": s} for a, s in zip(answers, sources, strict=True) if a is not None]
        if self.log is not None:
            self.log.append(
                self.project,
                request_id,
                name,
                version,
                records,
                predictions,
                [s == "cache" for s in sources],
                seconds * 1000,
                decision.degraded,
            )
        return Answer(request_id, name, version, decision.degraded, predictions, reason=decision.reason)

    def _spawn(self, coroutine: Any) -> None:
        # Cache writes happen after the answer is sent; keep a reference so the task is not collected.
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def close(self) -> None:
        self.batcher.close()
