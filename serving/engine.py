"""The answer path of one request, free of BentoML: arm -> cache -> (fast tier) -> batched champion -> fallback
-> log -> shadow mirror.

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
from serving.cascade import HeavyBudget, is_confident
from serving.fallback import FallbackDecision, decide
from serving.metrics import ServingMetrics
from serving.model_slot import ModelSlot
from serving.prediction_log import PredictionLog
from serving.routing import choose_arm
from serving.shadow import ShadowMirror
from shadowloop.spec import Cascade, Rollout

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
    arm: str = "champion"
    heavy_budget_exhausted: bool = False


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
        challenger: The challenger slot (None: no rollout).
        rollout: The spec's rollout (shadow, canary or ab).
        shadow: The mirror that sends the challenger copies of requests (shadow mode).
        fast: The fast-tier slot of a cascade (None: no cascade).
        cascade: The spec's cascade options.
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
        challenger: ModelSlot | None = None,
        rollout: Rollout | None = None,
        shadow: ShadowMirror | None = None,
        fast: ModelSlot | None = None,
        cascade: Cascade | None = None,
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
        self.challenger = challenger
        self.rollout = rollout or Rollout()
        self.shadow = shadow
        self.fast = fast
        self.cascade = cascade or Cascade()
        self.budget = HeavyBudget(self.cascade.heavy_budget_per_hour)
        # Canary/A-B answers and fast-tier answers run in their own model threads: a slow arm never queues
        # behind the champion's batches.
        self.challenger_batcher: MicroBatcher[dict[str, Any]] = MicroBatcher(
            _slot_runner(challenger), max_batch_size, max_latency_ms, enabled=batching, model_threads=model_threads
        )
        self.fast_batcher: MicroBatcher[dict[str, Any]] = MicroBatcher(
            _slot_runner(fast), max_batch_size, max_latency_ms, enabled=batching, model_threads=model_threads
        )

    def _run_champion(self, records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], tuple[str, str]]:
        # Read the slot once per batch: a swap during the call cannot mix two models in one batch.
        loaded = self.champion.current
        if loaded is None:
            raise ModelUnavailable("no champion model is loaded")
        self.model_calls += 1
        return predict_records(loaded.model, records), (loaded.ref.name, loaded.ref.version)

    async def answer(self, records: list[dict[str, Any]], entity: str | None = None, key: str = "anonymous") -> Answer:
        """Answer every record from the arm the rollout picks; never raises for a model failure.

        Args:
            records: Validated records.
            entity: The sticky routing key of canary and ab modes (None: split by request id).
            key: The caller's API key id (the cascade's heavy-tier budget is per key).
        """
        started = time.perf_counter()
        request_id = uuid.uuid4().hex
        challenger = self.challenger.current if self.challenger else None
        if challenger is not None and choose_arm(self.rollout.mode, self.rollout.fraction, entity, request_id) == (
            "challenger"
        ):
            answered = await self._answer_challenger(request_id, records, started)
            if answered is not None:
                return answered
        answered = await self._answer_champion(request_id, records, started, key)
        self.metrics.arm.labels(self.project, "champion").inc()
        if self.shadow is not None and not answered.unavailable and not answered.degraded:
            plain = [{k: v for k, v in p.items() if k not in ("source", "tier")} for p in answered.predictions]
            self.shadow.offer(
                request_id, records, answered.model_version, plain, (time.perf_counter() - started) * 1000
            )
        return answered

    async def _answer_challenger(self, request_id: str, records: list[dict[str, Any]], started: float) -> Answer | None:
        # A challenger that fails or is slow hands the request back to the champion path (counted).
        try:
            fresh, (name, version) = await asyncio.wait_for(self.challenger_batcher.submit(records), self.timeout_s)
        except Exception as error:
            logger.warning("challenger arm failed, the champion answers: %s", error)
            self.metrics.arm.labels(self.project, "challenger_failed").inc()
            return None
        self.metrics.arm.labels(self.project, "challenger").inc()
        seconds = time.perf_counter() - started
        self.metrics.latency.labels(self.project, version).observe(seconds)
        predictions = [{**a, "source": "model"} for a in fresh]
        if self.log is not None:
            self.log.append(
                self.project, request_id, name, version, records, predictions, [False] * len(records),
                seconds * 1000, False,
            )  # fmt: skip
        return Answer(request_id, name, version, False, predictions, arm="challenger")

    async def _fast_tier(
        self, records: list[dict[str, Any]], missing: list[int], key: str
    ) -> tuple[dict[int, dict[str, Any]], list[int], bool, tuple[str, str] | None]:
        """Fast-tier answers that stand, the records left for the heavy tier, whether the budget ran out."""
        if self.fast is None or self.fast.current is None or not self.cascade.enabled or not missing:
            return {}, missing, False, None
        try:
            fast, meta = await asyncio.wait_for(self.fast_batcher.submit([records[i] for i in missing]), self.timeout_s)
        except Exception as error:  # a broken fast tier only costs heavy-tier calls
            logger.warning("fast tier failed, the heavy tier answers: %s", error)
            return {}, missing, False, None
        by_index = dict(zip(missing, fast, strict=True))
        unsure = [i for i in missing if not is_confident(by_index[i], self.cascade.min_confidence)]
        self.metrics.observe_tier("fast", "confident", len(missing) - len(unsure))
        if unsure and not self.budget.try_spend(key, len(unsure)):
            # The cost circuit breaker: past the key's hourly heavy budget the fast tier answers, marked.
            self.metrics.budget_exhausted.labels(self.project).inc()
            self.metrics.observe_tier("fast", "budget", len(unsure))
            return by_index, [], True, meta
        self.metrics.observe_tier("heavy", "unsure", len(unsure))
        return {i: by_index[i] for i in missing if i not in unsure}, unsure, False, meta

    async def _answer_champion(
        self, request_id: str, records: list[dict[str, Any]], started: float, key: str
    ) -> Answer:
        current = self.champion.current
        name = current.ref.name if current else self.project
        version = current.ref.version if current else ""
        keys = [cache_key(self.project, version, r, self.features) for r in records] if current else []
        cached = await self.cache.get_many(keys) if current else [None] * len(records)
        missing = [i for i, hit in enumerate(cached) if hit is None]
        self.metrics.observe_cache(len(records) - len(missing), len(missing))
        answers: list[dict[str, Any] | None] = list(cached)
        sources = ["cache" if hit is not None else "" for hit in cached]
        tiers: list[str | None] = [None] * len(records)
        failure = ""
        fast, missing, exhausted, fast_meta = await self._fast_tier(records, missing, key)
        for i, item in fast.items():
            answers[i], sources[i], tiers[i] = item, "model", "fast"
        if fast and not missing and len(fast) == len(records) and fast_meta is not None:
            name, version = fast_meta
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
                    if fast_meta is not None:
                        tiers[i] = "heavy"
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
        predictions = [
            {**a, "source": s, **({"tier": t} if t else {})}
            for a, s, t in zip(answers, sources, tiers, strict=True)
            if a is not None
        ]
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
        return Answer(
            request_id, name, version, decision.degraded, predictions, reason=decision.reason,
            heavy_budget_exhausted=exhausted,
        )  # fmt: skip

    def _spawn(self, coroutine: Any) -> None:
        # Cache writes happen after the answer is sent; keep a reference so the task is not collected.
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def close(self) -> None:
        self.batcher.close()
        self.challenger_batcher.close()
        self.fast_batcher.close()
        if self.shadow is not None:
            self.shadow.close()


def _slot_runner(slot: ModelSlot | None) -> Any:
    """A batch function answering with whatever model `slot` holds at call time."""

    def run(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], tuple[str, str]]:
        loaded = slot.current if slot is not None else None
        if loaded is None:
            raise ModelUnavailable("the slot holds no model")
        return predict_records(loaded.model, records), (loaded.ref.name, loaded.ref.version)

    return run
