"""The recent window of live traffic a drift check looks at: the prediction log's records for one model version."""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from shadowloop import storage
from shadowloop.settings import Settings


@dataclass(frozen=True)
class Window:
    """Records answered by one model version between `start` and `end` (Unix seconds), newest first."""

    frame: pd.DataFrame
    start: float
    end: float


def read_window(project: str, model_version: str, settings: Settings, now: float | None = None) -> Window:
    """The newest `drift_max_window_rows` records of the last `drift_window_hours` answered by `model_version`.

    Records answered by another version (a fallback) are left out: they were not scored by the model whose
    reference they would be compared with. A log that does not exist yet is an empty window.
    """
    from serving.prediction_log import predictions

    end = time.time() if now is None else now
    start = end - settings.drift_window_hours * 3600
    engine = sa.create_engine(settings.prediction_log_url)
    try:
        if not sa.inspect(engine).has_table(predictions.name):
            return Window(pd.DataFrame(), start, end)
        query = (
            sa.select(predictions.c.features)
            .where(predictions.c.project == project)
            .where(predictions.c.model_version == model_version)
            .where(predictions.c.ts >= start, predictions.c.ts <= end)
            .order_by(predictions.c.ts.desc())
            .limit(settings.drift_max_window_rows)
        )
        with engine.connect() as connection:
            records = [json.loads(row) for row in connection.execute(query).scalars()]
    finally:
        engine.dispose()
    return Window(pd.DataFrame.from_records(records), start, end)


def export_window(window: Window, project: str, key: str, settings: Settings) -> str:
    """Write the window's records to `<lake>/drift/<project>/<key>/window.parquet`; returns the URI."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in key)
    uri = storage.join(settings.lake_uri, "drift", project, safe, "window.parquet")
    buffer = io.BytesIO()
    window.frame.to_parquet(buffer, index=False)
    storage.write_bytes(uri, buffer.getvalue())
    return uri
