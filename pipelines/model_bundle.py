"""The trained model as one folder: preprocessing plus estimator, in pickle-free formats, with a manifest of
sha256 digests that is checked before anything is loaded.

scikit-learn parts are saved with skops and loaded with an explicit allow-list of types; torch weights are a
`state_dict` loaded with `weights_only=True`.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import skops.io as sio

from pipelines.features import features_frame

MANIFEST = "manifest.json"
FORMAT = "shadowloop-model/1"
# Types skops does not trust by default but our model families need. Anything else in a file is refused.
TRUSTED_TYPES = [
    "sklearn.tree._tree.Tree",
    "sklearn._loss.link.Interval",
    "sklearn._loss.link.IdentityLink",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.MultinomialLogit",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss.loss.HalfMultinomialLoss",
    "sklearn._loss.loss.HalfSquaredError",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.common.PREDICTOR_RECORD_DTYPE",
    "numpy.dtype",
    "builtins.type",
    "builtins.object",
    "numpy.float64",
    "numpy.int64",
]


class ModelIntegrityError(ValueError):
    """A bundle whose files do not match their recorded sha256, or that holds types we do not trust."""


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class TabularModel(ABC):
    """A model that takes a frame with the spec's feature columns and answers per row."""

    family: str

    def __init__(self, task: str, numeric: list[str], categorical: list[str], classes: list[Any] | None):
        self.task = task
        self.numeric = list(numeric)
        self.categorical = list(categorical)
        self.classes = classes

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def _inputs(self, frame: pd.DataFrame) -> pd.DataFrame:
        return features_frame(frame, self.numeric, self.categorical)

    @abstractmethod
    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Class probabilities, one column per entry of `classes` (classifiers only)."""

    @abstractmethod
    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Class labels for classifiers, values for regressors."""

    @abstractmethod
    def _save_files(self, folder: Path) -> dict[str, Any]:
        """Write the model's files; return extra manifest fields."""

    def save(self, folder: str | Path) -> str:
        """Write the bundle; returns the sha256 of its manifest, which pins every file in it."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        extra = self._save_files(folder)
        files = {p.name: file_sha256(p) for p in sorted(folder.iterdir()) if p.name != MANIFEST}
        manifest = {
            "format": FORMAT,
            "family": self.family,
            "task": self.task,
            "numeric": self.numeric,
            "categorical": self.categorical,
            "classes": self.classes,
            "files": files,
            **extra,
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, default=_json_default))
        return file_sha256(folder / MANIFEST)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _skops_load(path: Path) -> Any:
    untrusted = sio.get_untrusted_types(file=path)
    refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if refused:
        raise ModelIntegrityError(f"{path.name} holds types that are not trusted: {refused}")
    return sio.load(path, trusted=untrusted)


class SklearnModel(TabularModel):
    """A scikit-learn Pipeline(preprocess -> estimator)."""

    def __init__(self, pipeline: Any, family: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.pipeline = pipeline
        self.family = family

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.pipeline.predict_proba(self._inputs(frame)))

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.pipeline.predict(self._inputs(frame)))

    def _save_files(self, folder: Path) -> dict[str, Any]:
        sio.dump(self.pipeline, folder / "pipeline.skops")
        return {}

    @classmethod
    def _load(cls, folder: Path, manifest: dict[str, Any]) -> SklearnModel:
        return cls(pipeline=_skops_load(folder / "pipeline.skops"), family=manifest["family"], **_common(manifest))


class TorchMLPModel(TabularModel):
    """A fitted preprocessor (skops) and an MLP (state_dict), plus the target scale for regression."""

    family = "torch_mlp"

    def __init__(self, preprocessor: Any, network: Any, config: Any, target_scale: tuple[float, float], **kwargs: Any):
        super().__init__(**kwargs)
        self.preprocessor = preprocessor
        self.network = network
        self.config = config
        self.target_scale = target_scale

    def _raw(self, frame: pd.DataFrame) -> np.ndarray:
        from pipelines.torch_mlp import predict_raw

        matrix = np.asarray(self.preprocessor.transform(self._inputs(frame)), dtype=np.float32)
        return predict_raw(self.network, matrix)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        raw = self._raw(frame)
        if self.task == "binary":
            positive = 1 / (1 + np.exp(-raw[:, 0]))
            return np.column_stack([1 - positive, positive])
        shifted = np.exp(raw - raw.max(axis=1, keepdims=True))
        return np.asarray(shifted / shifted.sum(axis=1, keepdims=True))

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        if self.task == "regression":
            mean, std = self.target_scale
            return np.asarray(self._raw(frame)[:, 0] * std + mean)
        assert self.classes is not None
        return np.asarray(self.classes)[self.predict_proba(frame).argmax(axis=1)]

    def _save_files(self, folder: Path) -> dict[str, Any]:
        import dataclasses

        import torch

        sio.dump(self.preprocessor, folder / "preprocessor.skops")
        torch.save(self.network.state_dict(), folder / "weights.pt")
        return {"mlp": dataclasses.asdict(self.config), "target_scale": list(self.target_scale)}

    @classmethod
    def _load(cls, folder: Path, manifest: dict[str, Any]) -> TorchMLPModel:
        import torch

        from pipelines.torch_mlp import MLPConfig, build_mlp

        fields = dict(manifest["mlp"])
        fields["hidden"] = tuple(fields["hidden"])
        config = MLPConfig(**fields)
        network = build_mlp(config)
        network.load_state_dict(torch.load(folder / "weights.pt", weights_only=True, map_location="cpu"))
        network.eval()
        scale = manifest["target_scale"]
        return cls(
            preprocessor=_skops_load(folder / "preprocessor.skops"),
            network=network,
            config=config,
            target_scale=(scale[0], scale[1]),
            **_common(manifest),
        )


def _common(manifest: dict[str, Any]) -> dict[str, Any]:
    return {k: manifest[k] for k in ("task", "numeric", "categorical", "classes")}


def load_model(folder: str | Path, expected_manifest_sha256: str | None = None) -> TabularModel:
    """Load a bundle after checking the manifest's digest (when given) and every file's digest."""
    folder = Path(folder)
    manifest_path = folder / MANIFEST
    if expected_manifest_sha256 and file_sha256(manifest_path) != expected_manifest_sha256:
        raise ModelIntegrityError(f"{manifest_path} does not match the recorded sha256 {expected_manifest_sha256}")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise ModelIntegrityError(f"{folder}: unknown bundle format {manifest.get('format')!r}")
    for name, digest in manifest["files"].items():
        if file_sha256(folder / name) != digest:
            raise ModelIntegrityError(f"{folder / name}: sha256 does not match the manifest; refusing to load")
    if manifest["family"] == TorchMLPModel.family:
        return TorchMLPModel._load(folder, manifest)
    return SklearnModel._load(folder, manifest)
