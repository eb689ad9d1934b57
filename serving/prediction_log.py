"""The prediction log: one row per answered record, written in batches by a background thread.

Requests only append to a bounded in-memory queue; a full queue drops rows and counts them rather than slow
the caller. SQLite by default, PostgreSQL in production (any SQLAlchemy URL). Drift monitoring and the shadow
review read this table.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

logger = logging.getLogger(__name__)

metadata = sa.MetaData()

predictions = sa.Table(
    "predictions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.Float, nullable=False, index=True),
    sa.Column("project", sa.String(64), nullable=False, index=True),
    sa.Column("request_id", sa.String(64), nullable=False, index=True),
    sa.Column("model_name", sa.String(128), nullable=False),
    sa.Column("model_version", sa.String(64), nullable=False, index=True),
    sa.Column("features", sa.Text, nullable=False),
    sa.Column("prediction", sa.Text, nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("cache_hit", sa.Boolean, nullable=False),
    sa.Column("degraded", sa.Boolean, nullable=False),
)


class PredictionLog:
    """Buffers rows and writes them in batches.

    Args:
        url: SQLAlchemy URL of the store.
        batch_rows: Most rows per INSERT.
        flush_s: Longest a row waits before it is written.
        max_queued: Rows kept in memory while the store is slow; beyond that rows are dropped and counted.
        on_drop: Called with the number of rows dropped (metrics).
        table: The table written (the shadow log reuses this writer for its own table).
    """

    def __init__(
        self,
        url: str,
        batch_rows: int = 500,
        flush_s: float = 1.0,
        max_queued: int = 100_000,
        on_drop: Callable[[int], None] | None = None,
        table: sa.Table = predictions,
    ):
        self.engine = sa.create_engine(url, pool_pre_ping=True)
        self.table = table
        table.metadata.create_all(self.engine)
        self.batch_rows = batch_rows
        self.flush_s = flush_s
        self.on_drop = on_drop
        self.written = 0
        self.dropped = 0
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=max_queued)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"{table.name}-log", daemon=True)
        self._thread.start()

    def append(
        self,
        project: str,
        request_id: str,
        model_name: str,
        model_version: str,
        records: list[dict[str, Any]],
        answers: list[dict[str, Any]],
        hits: list[bool],
        latency_ms: float,
        degraded: bool,
    ) -> None:
        """Queue one row per record; never blocks and never raises."""
        now = time.time()
        for record, answer, hit in zip(records, answers, hits, strict=True):
            row = {
                "ts": now,
                "project": project,
                "request_id": request_id,
                "model_name": model_name,
                "model_version": model_version,
                "features": json.dumps(record, separators=(",", ":")),
                "prediction": json.dumps(answer, separators=(",", ":")),
                "latency_ms": latency_ms,
                "cache_hit": hit,
                "degraded": degraded,
            }
            self.put(row)

    def put(self, row: dict[str, Any]) -> None:
        """Queue one row of this log's table; a full queue drops it (counted). Never blocks, never raises."""
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            self.dropped += 1
            if self.on_drop:
                self.on_drop(1)

    def _drain(self, first: dict[str, Any]) -> list[dict[str, Any]]:
        rows = [first]
        deadline = time.monotonic() + self.flush_s
        while len(rows) < self.batch_rows:
            timeout = deadline - time.monotonic()
            if timeout <= 0 or self._stop.is_set():
                break
            try:
                rows.append(self._queue.get(timeout=timeout))
            except queue.Empty:
                break
        return rows

    def _write(self, rows: list[dict[str, Any]]) -> None:
        try:
            with self.engine.begin() as connection:
                connection.execute(self.table.insert(), rows)
            self.written += len(rows)
        except Exception as error:  # a store outage loses these rows, never the service
            logger.error("prediction log: %d rows not written: %s", len(rows), error)
            self.dropped += len(rows)
            if self.on_drop:
                self.on_drop(len(rows))

    def _run(self) -> None:
        while not (self._stop.is_set() and self._queue.empty()):
            try:
                first = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            self._write(self._drain(first))

    def flush(self, timeout_s: float = 10.0) -> None:
        """Wait until every queued row has been written (tests, shutdown)."""
        deadline = time.monotonic() + timeout_s
        while not self._queue.empty() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(self.flush_s + 0.1)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.engine.dispose()
