"""Input drift between a reference profile and a window of live records: PSI per feature, plus a KS test
(numeric) or a chi-square test (categorical).

The decision is PSI against the spec's threshold: with thousands of live rows the tests flag differences too
small to matter, so their p-values are reported to read, not to decide. A window smaller than the spec's
`min_window_rows` is reported as `insufficient_data`, never as drift.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from pipelines.profile import (
    MISSING,
    CategoricalProfile,
    NumericProfile,
    ReferenceProfile,
    category_counts,
    numeric_bin_counts,
)

Status = Literal["drift", "no_drift", "insufficient_data"]
# Shares are floored before the log ratio so an empty bin on one side gives a large, finite PSI.
EPSILON = 1e-4


@dataclass(frozen=True)
class FeatureDrift:
    """How far one feature moved.

    Attributes:
        psi: Population stability index over the reference bins (0 = same; 0.1 small; 0.25 large).
        test: "ks" (numeric) or "chi2" (categorical).
        statistic: The test statistic (KS distance, or chi-square).
        p_value: The test's p-value (NaN when it cannot be computed, e.g. no values).
        bins: Bin labels, shared by `reference_share` and `window_share`.
        new_categories: Categories in the window never seen in training.
    """

    name: str
    kind: str
    psi: float
    test: str
    statistic: float
    p_value: float
    drifted: bool
    bins: list[str]
    reference_share: list[float]
    window_share: list[float]
    new_categories: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DriftReport:
    """The outcome of one drift check.

    Attributes:
        status: "drift" when any feature's PSI reaches the threshold, "no_drift", or "insufficient_data" when
            the window has fewer rows than `min_window_rows` (nothing is scored then).
        context: Where the numbers come from: project, model version, window bounds.
    """

    status: Status
    window_rows: int
    min_window_rows: int
    psi_threshold: float
    reference_rows: int
    features: list[FeatureDrift]
    context: dict[str, str] = field(default_factory=dict)

    @property
    def drifted_features(self) -> list[str]:
        return [f.name for f in self.features if f.drifted]

    @property
    def max_psi(self) -> float:
        return max((f.psi for f in self.features), default=0.0)

    def to_json(self) -> str:
        # NaN is not JSON; p-values that could not be computed become null.
        data = asdict(self)
        for item in data["features"]:
            for key in ("statistic", "p_value"):
                if isinstance(item[key], float) and math.isnan(item[key]):
                    item[key] = None
        return json.dumps(data, indent=1)

    @classmethod
    def from_json(cls, text: str) -> DriftReport:
        data = json.loads(text)
        features = []
        for item in data.pop("features"):
            for key in ("statistic", "p_value"):
                item[key] = math.nan if item[key] is None else item[key]
            features.append(FeatureDrift(**item))
        return cls(features=features, **data)


def psi(reference: list[float], window: list[float]) -> float:
    """Population stability index of two share vectors over the same bins."""
    expected = np.maximum(np.asarray(reference, dtype=float), EPSILON)
    actual = np.maximum(np.asarray(window, dtype=float), EPSILON)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def _shares(counts: list[int]) -> list[float]:
    total = sum(counts)
    return [c / total if total else 0.0 for c in counts]


def _bin_labels(edges: list[float]) -> list[str]:
    if not edges:
        return ["all"]
    inner = [f"({lo:.4g}, {hi:.4g}]" for lo, hi in zip(edges, edges[1:], strict=False)]
    return [f"<= {edges[0]:.4g}", *inner, f"> {edges[-1]:.4g}"]


def _numeric_drift(name: str, ref: NumericProfile, values: pd.Series, threshold: float) -> FeatureDrift:
    counts, missing = numeric_bin_counts(values, ref.edges)
    ref_counts, labels = list(ref.counts), _bin_labels(ref.edges)
    if missing or ref.missing:
        counts, ref_counts, labels = [*counts, missing], [*ref_counts, ref.missing], [*labels, "missing"]
    ref_share, win_share = _shares(ref_counts), _shares(counts)
    score = psi(ref_share, win_share)
    present = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if len(present) and ref.sketch:
        result = stats.ks_2samp(np.asarray(ref.sketch), present)
        statistic, p_value = float(result.statistic), float(result.pvalue)
    else:
        statistic, p_value = math.nan, math.nan
    return FeatureDrift(
        name, "numeric", score, "ks", statistic, p_value, score >= threshold, labels, ref_share, win_share
    )


def _categorical_drift(name: str, ref: CategoricalProfile, values: pd.Series, threshold: float) -> FeatureDrift:
    window = category_counts(values)
    labels = [*ref.counts, *sorted(set(window) - set(ref.counts))]
    ref_counts = [ref.counts.get(c, 0) for c in labels]
    win_counts = [window.get(c, 0) for c in labels]
    ref_share, win_share = _shares(ref_counts), _shares(win_counts)
    score = psi(ref_share, win_share)
    table = np.array([ref_counts, win_counts])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] >= 2 and table[0].sum() and table[1].sum():
        result = stats.chi2_contingency(table, correction=False)
        statistic, p_value = float(result.statistic), float(result.pvalue)
    else:
        statistic, p_value = 0.0, 1.0
    new = [c for c in labels if c not in ref.counts and c != MISSING]
    return FeatureDrift(
        name, "categorical", score, "chi2", statistic, p_value, score >= threshold, labels, ref_share, win_share, new
    )


def detect_drift(
    reference: ReferenceProfile,
    window: pd.DataFrame,
    psi_threshold: float,
    min_window_rows: int,
    context: dict[str, str] | None = None,
) -> DriftReport:
    """Score every profiled feature of `window` against `reference`.

    Args:
        reference: The model version's training profile.
        window: Recent live records, one column per feature (a missing column counts as all values missing).
        psi_threshold: A feature whose PSI reaches this has drifted (the spec's `drift.psi_threshold`).
        min_window_rows: Fewer rows than this (or none) give `insufficient_data`, with no scores.
        context: Provenance kept in the report (project, model version, window bounds).
    """
    common = {
        "window_rows": len(window),
        "min_window_rows": min_window_rows,
        "psi_threshold": psi_threshold,
        "reference_rows": reference.rows,
        "context": dict(context or {}),
    }
    if len(window) < max(min_window_rows, 1):
        return DriftReport(status="insufficient_data", features=[], **common)  # type: ignore[arg-type]
    features = []
    for name, ref in reference.features.items():
        values = window[name] if name in window.columns else pd.Series([None] * len(window), dtype="object")
        if isinstance(ref, NumericProfile):
            features.append(_numeric_drift(name, ref, values, psi_threshold))
        else:
            features.append(_categorical_drift(name, ref, values, psi_threshold))
    status: Status = "drift" if any(f.drifted for f in features) else "no_drift"
    return DriftReport(status=status, features=features, **common)  # type: ignore[arg-type]
