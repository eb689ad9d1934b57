"""Tiny specs and frames for unit tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from shadowloop.spec import ProjectSpec


def tiny_frame(rows: int = 300, seed: int = 0, task: str = "binary") -> pd.DataFrame:
    """Two numeric features and one categorical; the target depends on x1 (up) and colour."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=rows)
    x2 = rng.integers(0, 10, rows)
    colour = rng.choice(["red", "green", "blue"], size=rows)
    signal = 2.0 * x1 + (colour == "red") * 1.5 + rng.normal(scale=0.3, size=rows)
    if task == "binary":
        target: Any = (signal > 0.5).astype(np.int64)
    elif task == "multiclass":
        target = np.digitize(signal, [-0.5, 1.0]).astype(np.int64)
    else:
        target = 10 + 3 * signal
    return pd.DataFrame({"row_id": [f"r{i}" for i in range(rows)], "x1": x1, "x2": x2, "colour": colour, "y": target})


def tiny_spec_dict(
    task: str = "binary", family: str = "logistic_regression", uri: str = "unused.csv"
) -> dict[str, Any]:
    if task == "regression" and family == "logistic_regression":
        family = "ridge"
    primary = {"binary": "roc_auc", "multiclass": "f1", "regression": "rmse"}[task]
    return {
        "name": f"tiny_{task}",
        "source": {"uri": uri},
        "target": "y",
        "task": task,
        "schema": {
            "row_id": {"dtype": "str"},
            "x1": {"dtype": "float", "min": -10, "max": 10},
            "x2": {"dtype": "int", "min": 0, "max": 9},
            "colour": {"dtype": "str", "allowed": ["red", "green", "blue"]},
            "y": {"dtype": "float"} if task == "regression" else {"dtype": "int"},
        },
        "min_rows": 50,
        "features": {"numeric": ["x1", "x2"], "categorical": ["colour"], "monotonic": {"x1": "increasing"}},
        "model": {
            "family": family,
            "params": {"max_epochs": 100, "hidden": [16], "lr": 0.01, "batch_size": 64}
            if family == "torch_mlp"
            else {},
        },
        "metrics": {"primary": primary},
    }


def tiny_spec(task: str = "binary", family: str = "logistic_regression", uri: str = "unused.csv") -> ProjectSpec:
    return ProjectSpec.model_validate(tiny_spec_dict(task, family, uri))
