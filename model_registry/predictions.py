"""The registered model's output frame, shared by the pyfunc wrapper and the signature we log with it."""

from __future__ import annotations

import pandas as pd

from pipelines.model_bundle import TabularModel


def predictions_frame(model: TabularModel, frame: pd.DataFrame) -> pd.DataFrame:
    """`prediction` per row, plus `proba_<class>` columns for classifiers."""
    out = pd.DataFrame({"prediction": model.predict(frame)})
    if model.task != "regression" and model.classes is not None:
        probabilities = model.predict_proba(frame)
        for index, label in enumerate(model.classes):
            out[f"proba_{label}"] = probabilities[:, index]
    return out
