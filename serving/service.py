"""`ChampionService`: the BentoML service that answers with the project's champion model.

Run it with `bentoml serve serving.service:ChampionService --arg-file args.yaml` (see `serving.config`), or
`shadowloop serve start`. The request schema is built from the project spec when this module is imported, so
the OpenAPI page shows the project's own fields and categories.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from typing import TYPE_CHECKING, Annotated, Any

import bentoml
from pydantic import Field
from starlette.responses import JSONResponse

from serving.config import load_args
from serving.protection import ProtectionMiddleware
from serving.request_schema import example_record, record_model
from serving.responses import FeedbackResponse, PredictResponse, ReloadResponse
from serving.tracing import tracing_config
from shadowloop.settings import get_settings
from shadowloop.spec import load_spec

if TYPE_CHECKING:
    from serving.model_slot import ModelSlot
    from serving.sources import ModelSource

logger = logging.getLogger(__name__)

ARGS = load_args()
SPEC = load_spec(ARGS.spec)
Record = record_model(SPEC)
EXAMPLE = {"records": [example_record(SPEC)]}
RETRY_AFTER_S = 5


def _make_source() -> ModelSource:
    from serving.sources import ConstantSource, LocalPointerSource, MlflowAliasSource

    settings = get_settings()
    if ARGS.noop_model:
        target = SPEC.schema_[SPEC.target]
        classes = list(target.allowed or [0, 1]) if SPEC.is_classifier else []
        return ConstantSource(SPEC.name, SPEC.task, SPEC.features.numeric, SPEC.features.categorical, classes)
    if ARGS.source == "local":
        if ARGS.pointer is None:
            raise ValueError("the local model source needs --arg pointer=<aliases.json>")
        return LocalPointerSource(SPEC.name, ARGS.pointer)
    return MlflowAliasSource(SPEC.name, settings)


@bentoml.service(
    name="shadowloop",
    workers=1,
    traffic={"timeout": 30},
    logging={"access": {"enabled": ARGS.access_log}},
    tracing=tracing_config(get_settings()),  # OTLP export when SHADOWLOOP_TRACING_ENABLED, nothing otherwise
)
class ChampionService:
    """The champion of one project behind auth, limits, a prediction cache, batching and fallbacks."""

    def __init__(self) -> None:
        # The model stack (sklearn, skops, torch) is imported here, in the serving worker only: `bentoml serve`
        # also imports this module in its supervisor process, which needs the routes and nothing else.
        from serving.cache import make_cache
        from serving.engine import PredictionEngine
        from serving.metrics import get_metrics
        from serving.model_slot import ModelSlot
        from serving.prediction_log import PredictionLog
        from serving.shadow import ShadowMirror
        from serving.shadow_log import FeedbackStore, ShadowLog

        settings = get_settings()
        self.settings = settings
        self.metrics = get_metrics(SPEC.name)
        source = _make_source()
        warm = [example_record(SPEC)]

        def warm_up(model: Any) -> None:
            # A version that cannot answer the example record is refused before it serves anyone.
            from serving.answers import predict_records

            predict_records(model, warm)

        self.champion = ModelSlot("champion", source, warm_up, self.metrics.observe_reload)
        fallback_alias = SPEC.serving.fallback
        self.fallback = (
            ModelSlot(fallback_alias, source, warm_up, self.metrics.observe_reload)
            if fallback_alias != "none"
            else None
        )
        self.log = (
            PredictionLog(settings.prediction_log_url, on_drop=self.metrics.observe_log_drop)
            if ARGS.log_enabled
            else None
        )
        self.cache = make_cache(settings.redis_url, SPEC.serving.cache_ttl_s, ARGS.cache_entries)
        # The challenger is loaded whenever the alias exists and dropped when it is removed (rejected/promoted).
        self.challenger = ModelSlot(
            "challenger", source, warm_up, self.metrics.observe_reload, unload_when_missing=True
        )
        cascade = SPEC.cascade
        self.fast = (
            ModelSlot(cascade.fast_alias, source, warm_up, self.metrics.observe_reload, unload_when_missing=True)
            if cascade.enabled
            else None
        )
        rollout = SPEC.rollout
        self.shadow = (
            ShadowMirror(
                project=SPEC.name,
                slot=self.challenger,
                sample_rate=SPEC.serving.shadow_sample_rate,
                timeout_ms=rollout.shadow_timeout_ms,
                max_in_flight=rollout.shadow_max_in_flight,
                max_batch_size=SPEC.serving.max_batch_size,
                batch_window_ms=rollout.shadow_batch_window_ms,
                log=ShadowLog(settings.prediction_log_url, self.metrics.observe_log_drop) if ARGS.log_enabled else None,
                metrics=self.metrics,
                fault_file=ARGS.shadow_fault_file,
            )
            if rollout.mode == "shadow"
            else None
        )
        self.feedback_store = FeedbackStore(settings.prediction_log_url) if ARGS.log_enabled else None
        self.engine = PredictionEngine(
            project=SPEC.name,
            features=SPEC.features.all,
            champion=self.champion,
            fallback=self.fallback,
            cache=self.cache,
            metrics=self.metrics,
            log=self.log,
            max_batch_size=SPEC.serving.max_batch_size,
            max_latency_ms=SPEC.serving.max_latency_ms,
            timeout_ms=SPEC.serving.timeout_ms,
            batching=ARGS.batching,
            model_threads=ARGS.model_threads,
            challenger=self.challenger,
            rollout=rollout,
            shadow=self.shadow,
            fast=self.fast,
            cascade=cascade,
        )
        self._poller: asyncio.Task[None] | None = None

    def _slots(self) -> list[ModelSlot]:
        extra = [slot for slot in (self.fallback, self.fast) if slot is not None]
        return [self.champion, self.challenger, *extra]

    @bentoml.on_startup
    async def _start(self) -> None:
        for slot in self._slots():
            await slot.refresh()
        # Everything imported and loaded so far lives as long as the process. Freezing it keeps the collector
        # from re-scanning millions of long-lived objects (sklearn, torch, pandas) in every full collection,
        # which stalled the event loop for hundreds of milliseconds under load.
        gc.collect()
        gc.freeze()
        self._poller = asyncio.get_running_loop().create_task(self._poll())

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.settings.reload_poll_seconds)
            for slot in self._slots():
                try:
                    await slot.refresh()
                except Exception:  # a poll must never kill the poller
                    logger.exception("refreshing alias %r failed", slot.alias)

    @bentoml.on_shutdown
    async def _stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        self.engine.close()
        if self.log is not None:
            await asyncio.to_thread(self.log.close)
        if self.shadow is not None and self.shadow.log is not None:
            await asyncio.to_thread(self.shadow.log.close)
        if self.feedback_store is not None:
            self.feedback_store.close()
        close = getattr(self.cache, "close", None)
        if close is not None:
            await close()

    async def __is_ready__(self) -> bool:
        return self.champion.current is not None

    @bentoml.api(route="/predict", input_spec=None)
    async def predict(
        self,
        records: Annotated[
            list[Record],  # type: ignore[valid-type]
            Field(
                min_length=1,
                max_length=SPEC.serving.max_records_per_request,
                description=f"Up to {SPEC.serving.max_records_per_request} records of project {SPEC.name}.",
                examples=[EXAMPLE["records"]],
            ),
        ],
        ctx: bentoml.Context,
    ) -> PredictResponse:
        """Predict for a list of records: per record the prediction (and class probabilities), plus the model
        version that answered and a request id."""
        from serving.cascade import key_id
        from serving.routing import entity_of

        rows = [r.model_dump() for r in records]  # type: ignore[attr-defined]
        headers = ctx.request.headers
        entity = entity_of(rows, SPEC.rollout.entity_key, headers.get("x-entity-id"))
        answer = await self.engine.answer(rows, entity=entity, key=key_id(headers.get("authorization")))
        ctx.response.headers["X-Request-ID"] = answer.request_id
        ctx.response.headers["X-Model-Version"] = answer.model_version
        ctx.response.headers["X-Arm"] = answer.arm
        if answer.unavailable:
            ctx.response.status_code = 503
            ctx.response.headers["Retry-After"] = str(RETRY_AFTER_S)
            body = {"error": "no model can answer now", "detail": answer.reason, "request_id": answer.request_id}
            # BentoML passes a Response through unchanged; the declared type documents the success case.
            return JSONResponse(body, status_code=503)  # type: ignore[return-value]
        return PredictResponse(
            request_id=answer.request_id,
            model_name=answer.model_name,
            model_version=answer.model_version,
            degraded=answer.degraded,
            predictions=answer.predictions,
            arm=answer.arm,
            heavy_budget_exhausted=answer.heavy_budget_exhausted,
        )

    @bentoml.api(route="/feedback")
    async def feedback(
        self,
        request_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")],
        outcome: Annotated[
            float | int | str | bool | None, Field(description="The true outcome of record 0 (single-record requests).")
        ] = None,
        outcomes: Annotated[
            dict[int, float | int | str | bool] | None,
            Field(description="True outcomes by record index, for multi-record requests."),
        ] = None,
    ) -> FeedbackResponse:
        """Store the true outcome of an answered request; the shadow review joins it to both models' answers."""
        values = dict(outcomes or {})
        if outcome is not None:
            values.setdefault(0, outcome)
        if not values:
            return JSONResponse({"error": "give outcome or outcomes"}, status_code=422)  # type: ignore[return-value]
        if self.feedback_store is None:
            return JSONResponse({"error": "logging is off"}, status_code=409)  # type: ignore[return-value]
        known = await asyncio.to_thread(self.feedback_store.known_request, SPEC.name, request_id)
        if not known:
            # The prediction log is written in batches: a very fresh request id may not be there yet.
            await asyncio.sleep(1.5)
            known = await asyncio.to_thread(self.feedback_store.known_request, SPEC.name, request_id)
        if not known:
            body = {"error": f"unknown request id {request_id}", "request_id": request_id}
            return JSONResponse(body, status_code=404)  # type: ignore[return-value]
        stored = await asyncio.to_thread(self.feedback_store.save, SPEC.name, request_id, values)
        self.metrics.feedback.labels(SPEC.name).inc(stored)
        return FeedbackResponse(request_id=request_id, stored=stored)

    @bentoml.api(route="/admin/reload")
    async def admin_reload(self, force: bool = False) -> ReloadResponse:
        """Follow every alias now (the promotion task calls this after moving `champion`); admin token only.

        `force` retries a version that was refused before.
        """
        results = {}
        for slot in self._slots():
            result = await slot.refresh(force=force)
            results[slot.alias] = {"outcome": result.outcome, "version": result.version, "detail": result.detail}
        return ReloadResponse(results=results, serving=self.champion.version)


_settings = get_settings()
ChampionService.add_asgi_middleware(  # type: ignore[attr-defined]
    ProtectionMiddleware,
    api_token=_settings.api_token.get_secret_value(),
    admin_token=_settings.admin_token.get_secret_value(),
    max_body_bytes=_settings.max_request_bytes,
    max_in_flight=ARGS.max_in_flight,
)
