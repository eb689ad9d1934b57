"""Reference profile: a compact, JSON-serialisable summary of each feature's training distribution.

Drift is measured against this profile, so the raw training data need not be read again at monitoring time.
Numeric features keep quantile bin edges with counts (for PSI) and a quantile sketch (for the KS test);
categorical features keep their category counts (for PSI and the chi-square test).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

PROFILE_FORMAT = 1
PSI_BINS = 10
SKETCH_SIZE = 500
MISSING = "__missing__"


@dataclass(frozen=True)
class NumericProfile:
    """Quantile bins of a numeric feature.

    Attributes:
        edges: Inner bin edges; bins are (-inf, e0], (e0, e1], ..., (ek, inf), so values beyond the training
            range still land in the outer bins.
        counts: Training rows per bin (len(edges) + 1 of them).
        missing: Training rows with no value.
        sketch: Evenly spaced quantiles of the training values: a fixed-size stand-in sample for the KS test.
    """

    edges: list[float]
    counts: list[int]
    missing: int
    sketch: list[float]
    kind: str = "numeric"


@dataclass(frozen=True)
class CategoricalProfile:
    """Category counts of a categorical feature (missing values counted under `__missing__`)."""

    counts: dict[str, int]
    kind: str = "categorical"


FeatureProfile = NumericProfile | CategoricalProfile


@dataclass(frozen=True)
class ReferenceProfile:
    """Per-feature distribution summaries of one model version's training data."""

    rows: int
    features: dict[str, FeatureProfile]
    format: int = PROFILE_FORMAT
    meta: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> ReferenceProfile:
        data = json.loads(text)
        if data.get("format") != PROFILE_FORMAT:
            raise ValueError(f"unsupported reference profile format {data.get('format')!r}")
        features: dict[str, FeatureProfile] = {}
        for name, item in data["features"].items():
            features[name] = NumericProfile(**item) if item["kind"] == "numeric" else CategoricalProfile(**item)
        return cls(rows=data["rows"], features=features, format=data["format"], meta=data.get("meta", {}))


def numeric_bin_counts(values: pd.Series, edges: list[float]) -> tuple[list[int], int]:
    """Counts of `values` in the bins defined by `edges` (right-closed), and the count of missing values."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    present = numbers[~np.isnan(numbers)]
    index = np.searchsorted(np.asarray(edges, dtype=float), present, side="left")
    counts = np.bincount(index, minlength=len(edges) + 1)
    return [int(c) for c in counts], int(len(numbers) - len(present))


def category_counts(values: pd.Series) -> dict[str, int]:
    """Counts per category, with missing values under `__missing__`."""
    labels = values.astype("object").where(values.notna(), MISSING).astype(str)
    return {str(k): int(v) for k, v in labels.value_counts().items()}


def _numeric_profile(values: pd.Series) -> NumericProfile:
    numbers = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    if len(numbers) == 0:
        return NumericProfile(edges=[], counts=[0], missing=int(len(values)), sketch=[])
    quantiles = np.quantile(numbers, np.linspace(0, 1, PSI_BINS + 1)[1:-1])
    # Discrete features (0/1 flags, hours) repeat quantiles; duplicate edges would make empty bins.
    edges = [float(e) for e in np.unique(quantiles)]
    counts, missing = numeric_bin_counts(values, edges)
    sketch = np.quantile(numbers, (np.arange(SKETCH_SIZE) + 0.5) / SKETCH_SIZE)
    return NumericProfile(edges=edges, counts=counts, missing=missing, sketch=[float(s) for s in sketch])


def profile_frame(
    frame: pd.DataFrame, numeric: list[str], categorical: list[str], meta: dict[str, str] | None = None
) -> ReferenceProfile:
    """Profile the given feature columns of a training frame.

    Args:
        frame: The training rows.
        numeric: Numeric feature columns.
        categorical: Categorical feature columns.
        meta: Free-form provenance (dataset sha256, run id) kept with the profile.
    """
    missing = [c for c in [*numeric, *categorical] if c not in frame.columns]
    if missing:
        raise KeyError(f"columns {missing} are not in the frame")
    features: dict[str, FeatureProfile] = {name: _numeric_profile(frame[name]) for name in numeric}
    features |= {name: CategoricalProfile(counts=category_counts(frame[name])) for name in categorical}
    return ReferenceProfile(rows=len(frame), features=features, meta=dict(meta or {}))
