"""The shadow log (one row per mirrored record: both answers, both latencies, the shadow's error) and the
feedback table (true outcomes posted later, keyed by request id and record index).

Both live in the prediction log's database, so the shadow review joins all three with plain SQL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from serving.prediction_log import PredictionLog, metadata

shadow_predictions = sa.Table(
    "shadow_predictions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.Float, nullable=False, index=True),
    sa.Column("project", sa.String(64), nullable=False, index=True),
    sa.Column("request_id", sa.String(64), nullable=False, index=True),
    sa.Column("record_index", sa.Integer, nullable=False),
    sa.Column("champion_version", sa.String(64), nullable=False),
    sa.Column("challenger_version", sa.String(64), nullable=False, index=True),
    sa.Column("champion_prediction", sa.Text, nullable=False),
    sa.Column("challenger_prediction", sa.Text, nullable=True),
    sa.Column("champion_latency_ms", sa.Float, nullable=False),
    sa.Column("challenger_latency_ms", sa.Float, nullable=True),
    sa.Column("error", sa.String(256), nullable=True),
)

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.Float, nullable=False),
    sa.Column("project", sa.String(64), nullable=False, index=True),
    sa.Column("request_id", sa.String(64), nullable=False, index=True),
    sa.Column("record_index", sa.Integer, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.UniqueConstraint("project", "request_id", "record_index", name="uq_feedback_record"),
)


class ShadowLog:
    """Queues shadow rows for the background writer (full queue: dropped and counted, never blocking)."""

    def __init__(self, url: str, on_drop: Callable[[int], None] | None = None):
        self.writer = PredictionLog(url, on_drop=on_drop, table=shadow_predictions)

    def append(
        self,
        project: str,
        request_id: str,
        champion_version: str,
        challenger_version: str,
        champion: list[dict[str, Any]],
        challenger: list[dict[str, Any]] | None,
        champion_ms: float,
        challenger_ms: float | None,
        error: str | None,
    ) -> None:
        """One row per record; `challenger` is None when the shadow failed or timed out (`error` says which)."""
        now = time.time()
        for index, answer in enumerate(champion):
            shadow = challenger[index] if challenger is not None else None
            self.writer.put(
                {
                    "ts": now,
                    "project": project,
                    "request_id": request_id,
                    "record_index": index,
                    "champion_version": champion_version,
                    "challenger_version": challenger_version,
                    "champion_prediction": _dumps(answer),
                    "challenger_prediction": _dumps(shadow) if shadow is not None else None,
                    "champion_latency_ms": champion_ms,
                    "challenger_latency_ms": challenger_ms,
                    "error": error[:256] if error else None,
                }
            )

    def flush(self, timeout_s: float = 10.0) -> None:
        self.writer.flush(timeout_s)

    def close(self) -> None:
        self.writer.close()


class FeedbackStore:
    """Writes true outcomes synchronously (the caller learns whether they were kept); a repeat overwrites."""

    def __init__(self, url: str):
        self.engine = sa.create_engine(url, pool_pre_ping=True)
        metadata.create_all(self.engine)

    def known_request(self, project: str, request_id: str) -> bool:
        """Whether the prediction log holds this request (feedback for an unknown id is refused)."""
        from serving.prediction_log import predictions

        query = sa.select(predictions.c.id).where(
            predictions.c.project == project, predictions.c.request_id == request_id
        )
        with self.engine.connect() as connection:
            return connection.execute(query.limit(1)).first() is not None

    def save(self, project: str, request_id: str, outcomes: dict[int, Any]) -> int:
        """Store each record's outcome; returns how many were written."""
        now = time.time()
        rows = [
            {"ts": now, "project": project, "request_id": request_id, "record_index": i, "outcome": _dumps(o)}
            for i, o in outcomes.items()
        ]
        with self.engine.begin() as connection:
            connection.execute(
                feedback.delete().where(
                    feedback.c.project == project,
                    feedback.c.request_id == request_id,
                    feedback.c.record_index.in_(list(outcomes)),
                )
            )
            connection.execute(feedback.insert(), rows)
        return len(rows)

    def close(self) -> None:
        self.engine.dispose()


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
