"""The MLflow pyfunc wrapper, logged as *code* (models-from-code), so MLflow pickles nothing.

MLflow executes this file when loading the model; `load_context` reads our bundle folder through
`load_model`, which checks the manifest sha256 recorded at logging time before any file is parsed.
"""

from __future__ import annotations

from typing import Any

import mlflow
from mlflow.pyfunc import PythonModel


class BundleModel(PythonModel):
    """Serves a shadowloop model bundle (skops + torch state_dict) through the pyfunc interface."""

    def load_context(self, context: Any) -> None:
        from pipelines.model_bundle import load_model

        self.model = load_model(context.artifacts["bundle"], context.model_config["manifest_sha256"])

    # No type hints on predict: MLflow would try to derive a schema from them; the logged signature is the contract.
    def predict(self, context, model_input, params=None):
        from model_registry.predictions import predictions_frame

        return predictions_frame(self.model, model_input)


mlflow.models.set_model(BundleModel())
