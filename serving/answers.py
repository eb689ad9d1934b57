"""Turning records into per-record answers with a loaded model (runs in the model worker thread)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def _native(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def predict_records(model: Any, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One answer per record: `{"prediction": ...}` plus `"probabilities"` (by class label) for classifiers.

    Classifiers are run once (probabilities) and the label is their argmax, which is what the model families
    here predict anyway, at half the cost.
    """
    if isinstance(model, ConstantModel):
        return model.answers(len(records))
    frame = pd.DataFrame.from_records(records, columns=model.features)
    for name in model.numeric:
        frame[name] = pd.to_numeric(frame[name], errors="coerce")
    if model.task == "regression":
        return [{"prediction": float(value)} for value in model.predict(frame)]
    proba = np.asarray(model.predict_proba(frame), dtype=float)
    classes = [_native(c) for c in model.classes]
    labels = [str(c) for c in classes]
    best = proba.argmax(axis=1)
    return [
        {"prediction": classes[i], "probabilities": dict(zip(labels, map(float, row), strict=True))}
        for i, row in zip(best, proba, strict=True)
    ]


class ConstantModel:
    """A model that does no work (benchmarks measure the framework's own cost with it)."""

    family = "constant"

    def __init__(self, task: str, numeric: list[str], categorical: list[str], classes: list[Any] | None):
        self.task = task
        self.numeric = numeric
        self.categorical = categorical
        self.classes = classes if task != "regression" else None

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def answers(self, count: int) -> list[dict[str, Any]]:
        if self.classes is None:
            return [{"prediction": 0.0}] * count
        labels = [str(c) for c in self.classes]
        answer = {"prediction": self.classes[0], "probabilities": {c: float(i == 0) for i, c in enumerate(labels)}}
        return [answer] * count

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return np.zeros(len(frame))

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        assert self.classes is not None
        proba = np.zeros((len(frame), len(self.classes)))
        proba[:, 0] = 1.0
        return proba
