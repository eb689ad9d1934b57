"""The live evidence a shadow review or a guard reads: the prediction, shadow and feedback logs as arm frames.

Each frame has the columns of `pipelines.shadow_compare.ARM_COLUMNS`, one row per answered record, joined to
its true outcome where feedback arrived. A log that does not exist yet reads as no rows.
"""

from __future__ import annotations

import json

import pandas as pd
import sqlalchemy as sa

from pipelines.shadow_compare import ARM_COLUMNS, empty_arm
from shadowloop.settings import Settings


def _read(settings: Settings, query: sa.Select[object], table: str) -> pd.DataFrame:
    engine = sa.create_engine(settings.prediction_log_url)
    try:
        if not sa.inspect(engine).has_table(table):
            return pd.DataFrame()
        with engine.connect() as connection:
            return pd.DataFrame(connection.execute(query).mappings().all())
    finally:
        engine.dispose()


def _feedback(project: str, settings: Settings, request_ids: list[str]) -> pd.DataFrame:
    from serving.shadow_log import feedback

    if not request_ids:
        return pd.DataFrame(columns=["request_id", "record_index", "outcome"])
    frames = []
    for start in range(0, len(request_ids), 500):  # keep each IN list under the SQL parameter limit
        chunk = request_ids[start : start + 500]
        query = sa.select(feedback.c.request_id, feedback.c.record_index, feedback.c.outcome).where(
            feedback.c.project == project, feedback.c.request_id.in_(chunk)
        )
        frames.append(_read(settings, query, "feedback"))
    found = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if found.empty:
        return pd.DataFrame(columns=["request_id", "record_index", "outcome"])
    found["outcome"] = found["outcome"].map(json.loads)
    return found


def _with_outcomes(frame: pd.DataFrame, project: str, settings: Settings) -> pd.DataFrame:
    labels = _feedback(project, settings, sorted(frame["request_id"].unique()))
    merged = frame.merge(labels, on=["request_id", "record_index"], how="left")
    merged["outcome"] = merged["outcome"].astype(object).where(merged["outcome"].notna(), None)
    return merged


def _answer_columns(answers: pd.Series) -> tuple[pd.Series, pd.Series]:
    parsed = answers.map(lambda text: json.loads(text) if isinstance(text, str) else None)
    return parsed.map(lambda a: a.get("prediction") if a else None), parsed.map(
        lambda a: a.get("probabilities") if a else None
    )


def shadow_arms(
    project: str, challenger_version: str, since: float, settings: Settings
) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    """Champion and challenger frames of the mirrored records (row i of both is the same record), and the
    champion version those records were answered by (the newest, when it changed within the window)."""
    from serving.shadow_log import shadow_predictions as table

    query = (
        sa.select(table)
        .where(table.c.project == project, table.c.challenger_version == challenger_version, table.c.ts >= since)
        .order_by(table.c.id)
    )
    rows = _read(settings, query, table.name)
    if rows.empty:
        return empty_arm(), empty_arm(), None
    rows = _with_outcomes(rows, project, settings)
    error = rows["error"].fillna("")
    base = pd.DataFrame({"request_id": rows["request_id"], "outcome": rows["outcome"]})
    champion = base.assign(latency_ms=rows["champion_latency_ms"], failed=False, timed_out=False)
    champion["label"], champion["proba"] = _answer_columns(rows["champion_prediction"])
    challenger = base.assign(
        latency_ms=rows["challenger_latency_ms"], failed=error != "", timed_out=error.str.startswith("timeout")
    )
    challenger["label"], challenger["proba"] = _answer_columns(rows["challenger_prediction"])
    return champion[ARM_COLUMNS], challenger[ARM_COLUMNS], str(rows["champion_version"].iloc[-1])


def version_arm(project: str, version: str, since: float, settings: Settings) -> pd.DataFrame:
    """Records a version answered itself (canary and A/B arms, a promoted champion under guard).

    A degraded answer (the fallback answered for it) counts as this version's failure; cache hits are left out,
    since their latency is not the model's.
    """
    from serving.prediction_log import predictions as table

    query = (
        sa.select(table.c.id, table.c.request_id, table.c.prediction, table.c.latency_ms, table.c.degraded)
        .where(table.c.project == project, table.c.model_version == version, table.c.ts >= since)
        .where(table.c.cache_hit.is_(False))
        .order_by(table.c.id)
    )
    rows = _read(settings, query, table.name)
    if rows.empty:
        return empty_arm()
    rows["record_index"] = rows.groupby("request_id").cumcount()
    rows = _with_outcomes(rows, project, settings)
    frame = pd.DataFrame(
        {
            "request_id": rows["request_id"],
            "latency_ms": rows["latency_ms"],
            "failed": rows["degraded"].astype(bool),
            "timed_out": False,
            "outcome": rows["outcome"],
        }
    )
    frame["label"], frame["proba"] = _answer_columns(rows["prediction"])
    return frame[ARM_COLUMNS]
