"""Shadow mirroring: the challenger answers a copy of live requests, off the response path, and is only logged.

`offer()` returns at once: the shadow call is a task of its own, batched in its own model thread, under its own
timeout, with a bound on work in flight. A saturated shadow is dropped and counted; a failing, hanging or slow
one is counted and logged, and none of it reaches the caller. A slot whose work hangs stays taken until the
work really ends, so a hung challenger fills the bound and everything after it is dropped, not queued forever.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

from serving.answers import predict_records
from serving.batching import MicroBatcher
from serving.metrics import ServingMetrics
from serving.model_slot import ModelSlot
from serving.routing import is_sampled
from serving.shadow_log import ShadowLog

logger = logging.getLogger(__name__)


class ShadowMirror:
    """Mirrors requests to the challenger slot.

    Args:
        project: Project name (metrics, log).
        slot: The challenger slot; nothing is mirrored while it holds no model.
        sample_rate: Share of requests mirrored.
        timeout_ms: Longest the shadow answer is waited for before it counts as a timeout.
        max_in_flight: Shadow requests in flight at most; more are dropped.
        max_batch_size: Records per challenger call.
        log: Shadow log (None: off).
        metrics: Prometheus metrics.
        fault_file: Testing only: a file whose content ("raise", "hang", "slow") makes the shadow misbehave.
        batch_window_ms: How long mirrored requests are gathered into one challenger call.
    """

    def __init__(
        self,
        project: str,
        slot: ModelSlot,
        sample_rate: float,
        timeout_ms: int,
        max_in_flight: int,
        max_batch_size: int,
        log: ShadowLog | None,
        metrics: ServingMetrics,
        fault_file: Path | None = None,
        batch_window_ms: float = 0,
    ):
        self.project = project
        self.slot = slot
        self.sample_rate = sample_rate
        self.timeout_s = timeout_ms / 1000
        self.max_in_flight = max_in_flight
        self.log = log
        self.metrics = metrics
        self.fault_file = fault_file
        self.in_flight = 0
        # Waiting for company is what makes mirroring cheap: one challenger call per window, not per request.
        self.batcher: MicroBatcher[dict[str, Any]] = MicroBatcher(
            self._run, max_batch_size, batch_window_ms, gap_ms=batch_window_ms
        )
        self._tasks: set[asyncio.Task[None]] = set()

    def _fault(self) -> str:
        if self.fault_file is None:
            return ""
        try:
            return self.fault_file.read_text().strip()
        except OSError:
            return ""

    def _run(self, records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], tuple[str, float]]:
        """Answers of the challenger and (its version, the model time of this batch in seconds)."""
        started = time.perf_counter()
        loaded = self.slot.current
        if loaded is None:
            raise RuntimeError("the challenger was unloaded")
        fault = self._fault()
        if fault == "raise":
            raise RuntimeError("injected shadow fault")
        if fault == "slow":
            time.sleep(self.timeout_s * 0.5)
        # A hang lasts while the fault file says so (bounded, so shutdown never waits forever).
        deadline = time.monotonic() + 120
        while fault == "hang" and time.monotonic() < deadline:
            time.sleep(0.05)
            fault = self._fault()
        answers = predict_records(loaded.model, records)
        return answers, (loaded.ref.version, time.perf_counter() - started)

    def offer(
        self, request_id: str, records: list[dict[str, Any]], champion_version: str, answers: list[dict[str, Any]],
        champion_ms: float,
    ) -> None:  # fmt: skip
        """Mirror one answered request if a challenger is loaded and it is sampled; never blocks or raises."""
        loaded = self.slot.current
        if loaded is None or not is_sampled(request_id, self.sample_rate):
            return
        if self.in_flight >= self.max_in_flight:
            self.metrics.observe_shadow("dropped")
            return
        self.in_flight += 1
        version = loaded.ref.version
        task = asyncio.get_running_loop().create_task(
            self._mirror(request_id, records, champion_version, version, answers, champion_ms)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _mirror(
        self, request_id: str, records: list[dict[str, Any]], champion_version: str, challenger_version: str,
        answers: list[dict[str, Any]], champion_ms: float,
    ) -> None:  # fmt: skip
        started = time.perf_counter()
        work = asyncio.ensure_future(self.batcher.submit(records))
        # The slot is given back when the work ends, not at the timeout: hung work keeps holding it.
        work.add_done_callback(self._release)
        done, _ = await asyncio.wait({work}, timeout=self.timeout_s)
        seconds = time.perf_counter() - started
        shadow: list[dict[str, Any]] | None = None
        error: str | None = None
        if not done:
            outcome, error = "timeout", f"timeout after {self.timeout_s * 1000:.0f} ms"
        elif work.exception() is not None:
            exc = work.exception()
            outcome, error = "error", f"{type(exc).__name__}: {exc}"
        else:
            outcome = "ok"
            shadow, (challenger_version, seconds) = work.result()  # model time, not the gathering wait
            agree = sum(_label(a) == _label(b) for a, b in zip(answers, shadow, strict=True))
            self.metrics.observe_agreement(agree, len(answers) - agree)
        self.metrics.observe_shadow(outcome, seconds if outcome == "ok" else None)
        if self.log is not None:
            self.log.append(
                self.project, request_id, champion_version, challenger_version, answers, shadow, champion_ms,
                seconds * 1000 if shadow is not None else None, error,
            )  # fmt: skip

    def _release(self, work: asyncio.Future[Any]) -> None:
        self.in_flight -= 1
        if not work.cancelled():
            work.exception()  # retrieved, so asyncio does not warn about it

    def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        self.batcher.close()


def _label(answer: dict[str, Any]) -> Any:
    return answer.get("prediction")
