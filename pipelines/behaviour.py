"""Behavioural model tests: invariance to an irrelevant column and the declared direction of monotonic features."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.model_bundle import TabularModel
from shadowloop.spec import ProjectSpec


def score(model: TabularModel, frame: pd.DataFrame) -> np.ndarray:
    """One number per row that should move with the features: positive-class probability, or the value."""
    if model.task == "regression":
        return model.predict(frame).astype(float)
    proba = model.predict_proba(frame)
    return proba[:, 1] if model.task == "binary" else proba.max(axis=1)


def check_invariance(model: TabularModel, frame: pd.DataFrame, seed: int = 0) -> tuple[bool, str]:
    """Predictions must not change when an unrelated column is added and the columns are reordered."""
    rng = np.random.default_rng(seed)
    noisy = frame.copy()
    noisy["__irrelevant__"] = rng.normal(size=len(frame))
    noisy = noisy[list(reversed(noisy.columns))]
    try:
        delta = float(np.max(np.abs(score(model, frame) - score(model, noisy)))) if len(frame) else 0.0
    except (ValueError, KeyError, TypeError) as error:
        return False, f"model failed on an added column and reordered columns: {error}"
    return delta < 1e-9, f"max |change| {delta:.2e} after adding a random column and reordering columns"


def check_direction(model: TabularModel, frame: pd.DataFrame, feature: str, direction: str) -> tuple[bool, str]:
    """Raising a feature by one step must move the mean score in the declared direction.

    The step is one standard deviation, and at least one unit for integer features (so a 0/1 flag flips).
    """
    column = frame[feature]
    step = float(column.std() or 1.0)
    if pd.api.types.is_integer_dtype(column):
        step = max(step, 1.0)
    raised = frame.copy()
    raised[feature] = raised[feature] + step
    mean_change = float(np.mean(score(model, raised) - score(model, frame)))
    passed = mean_change >= 0 if direction == "increasing" else mean_change <= 0
    return passed, f"mean score change {mean_change:+.4f} for +{step:.3g} on {feature} (declared {direction})"


def behavioural_checks(model: TabularModel, frame: pd.DataFrame, spec: ProjectSpec) -> dict[str, tuple[bool, str]]:
    sample = frame.sample(n=min(len(frame), 1000), random_state=spec.split.seed)
    checks = {"invariance_irrelevant_column": check_invariance(model, sample, spec.split.seed)}
    if model.task != "multiclass":
        for feature, direction in spec.features.monotonic.items():
            checks[f"direction_{feature}"] = check_direction(model, sample, feature, direction)
    return checks
