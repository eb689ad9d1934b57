"""Live comparison of two models (the shadow review's numbers), as pure functions over logged answers.

Each arm is a frame with one row per answered record: `request_id`, `label` (the answer), `proba` (class
probabilities or None), `latency_ms` (of the request), `failed`, `timed_out`, and `outcome` (the true value
from feedback, or None). No database, no MLflow: `shadowloop.shadow_window` reads the frames.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipelines.metrics import classification_metrics, regression_metrics

ARM_COLUMNS = ["request_id", "label", "proba", "latency_ms", "failed", "timed_out", "outcome"]


@dataclass(frozen=True)
class ArmStats:
    """One model's live figures over a window."""

    version: str
    requests: int
    records: int
    errors: int
    timeouts: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    labelled: int
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def error_rate(self) -> float:
        """Failed or timed-out records over all records (0 when there were none)."""
        return self.errors / self.records if self.records else 0.0


@dataclass(frozen=True)
class Comparison:
    """Champion vs challenger on the same window; `agreement` only where both answered the same records."""

    mode: str
    champion: ArmStats
    challenger: ArmStats
    agreement: float | None
    disagreements: list[dict[str, Any]]
    error_quantiles: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["champion"]["error_rate"] = self.champion.error_rate
        data["challenger"]["error_rate"] = self.challenger.error_rate
        return data


def empty_arm() -> pd.DataFrame:
    """An arm frame with no rows."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ARM_COLUMNS})


def _percentiles(frame: pd.DataFrame) -> tuple[float, float, float]:
    # Latency is a request's, repeated on each of its records: count each request once.
    latencies = frame.dropna(subset=["latency_ms"]).drop_duplicates("request_id")["latency_ms"].astype(float)
    if latencies.empty:
        return math.nan, math.nan, math.nan
    p50, p95, p99 = np.percentile(latencies.to_numpy(), [50, 95, 99])
    return float(p50), float(p95), float(p99)


def live_metrics(labelled: pd.DataFrame, task: str) -> dict[str, float]:
    """The task's metrics on records that have an answer and a true outcome (empty when there are none)."""
    if labelled.empty:
        return {}
    if task == "regression":
        return regression_metrics(
            labelled["outcome"].astype(float).to_numpy(), labelled["label"].astype(float).to_numpy()
        )
    classes = sorted({str(k) for p in labelled["proba"] if isinstance(p, dict) for k in p})
    y_true = labelled["outcome"].map(str).to_numpy()
    y_pred = labelled["label"].map(str).to_numpy()
    if not classes:
        return {"accuracy": float(np.mean(y_true == y_pred))}
    proba = np.array([[float((p or {}).get(c, 0.0)) for c in classes] for p in labelled["proba"]])
    try:
        return classification_metrics(y_true, y_pred, proba, classes)
    except ValueError:  # e.g. an outcome outside the model's classes
        return {"accuracy": float(np.mean(y_true == y_pred))}


def arm_stats(frame: pd.DataFrame, version: str, task: str) -> ArmStats:
    """A model's request count, error and timeout counts, latency percentiles and live metrics."""
    failed = frame["failed"].astype(bool) if not frame.empty else pd.Series(dtype=bool)
    answered = frame[~failed] if not frame.empty else frame
    labelled = answered[answered["outcome"].notna()] if not answered.empty else answered
    p50, p95, p99 = _percentiles(answered) if not answered.empty else (math.nan,) * 3
    return ArmStats(
        version=version,
        requests=int(frame["request_id"].nunique()) if not frame.empty else 0,
        records=len(frame),
        errors=int(failed.sum()),
        timeouts=int(frame["timed_out"].astype(bool).sum()) if not frame.empty else 0,
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        labelled=len(labelled),
        metrics=live_metrics(labelled, task),
    )


def compare_arms(
    mode: str, champion: pd.DataFrame, challenger: pd.DataFrame, versions: tuple[str, str], task: str,
    examples: int = 10,
) -> Comparison:  # fmt: skip
    """Both arms' figures; in shadow mode (same records, row by row) also agreement and disagreement examples.

    For regression the agreement is replaced by quantiles of the absolute difference between the two answers.
    """
    paired = mode == "shadow" and len(champion) == len(challenger)
    agreement, quantiles, disagreements = None, None, []
    if paired and not champion.empty:
        both = ~(champion["failed"].astype(bool).to_numpy() | challenger["failed"].astype(bool).to_numpy())
        ours, theirs = champion[both], challenger[both]
        if len(ours):
            if task == "regression":
                diff = np.abs(ours["label"].astype(float).to_numpy() - theirs["label"].astype(float).to_numpy())
                quantiles = {f"abs_diff_p{q}": float(np.percentile(diff, q)) for q in (50, 90, 99)}
                differs = diff > 1e-9
            else:
                differs = ours["label"].map(str).to_numpy() != theirs["label"].map(str).to_numpy()
                agreement = float(1.0 - differs.mean())
            for index in np.flatnonzero(differs)[:examples]:
                disagreements.append(
                    {
                        "request_id": str(ours["request_id"].iloc[index]),
                        "champion": ours["label"].iloc[index],
                        "challenger": theirs["label"].iloc[index],
                        "outcome": ours["outcome"].iloc[index],
                    }
                )
    return Comparison(
        mode=mode,
        champion=arm_stats(champion, versions[0], task),
        challenger=arm_stats(challenger, versions[1], task),
        agreement=agreement,
        disagreements=disagreements,
        error_quantiles=quantiles,
    )
