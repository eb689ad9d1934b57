"""Train: scikit-learn estimators and a torch MLP behind one call, seeded, returning the model and its history."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from pipelines.features import DatasetSplit, build_preprocessor, features_frame
from pipelines.model_bundle import SklearnModel, TabularModel, TorchMLPModel
from pipelines.types import TrainHistory
from shadowloop.spec import ProjectSpec


@dataclass
class TrainResult:
    model: TabularModel
    history: TrainHistory
    device: str
    seconds: float
    train_rows: int


class UnknownParameterError(ValueError):
    """The spec's model.params names a hyper-parameter the model family does not have."""


def _check_params(family: str, params: dict[str, Any], accepted: set[str]) -> None:
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise UnknownParameterError(
            f"model.params: {unknown} not accepted by model family {family!r}; accepted: {sorted(accepted)}"
        )


def _estimator(spec: ProjectSpec, family: str, params: dict[str, Any]) -> Any:
    from sklearn import dummy, ensemble, linear_model

    classifier = spec.is_classifier
    defaults: dict[str, Any] = {}
    if family == "random_forest":
        cls: Any = ensemble.RandomForestClassifier if classifier else ensemble.RandomForestRegressor
        defaults = {"n_estimators": 200, "min_samples_leaf": 2, "n_jobs": -1, "random_state": spec.split.seed}
    elif family == "gradient_boosting":
        cls = ensemble.HistGradientBoostingClassifier if classifier else ensemble.HistGradientBoostingRegressor
        defaults = {"random_state": spec.split.seed}
    elif family == "logistic_regression":
        cls = linear_model.LogisticRegression
        defaults = {"max_iter": 2000, "random_state": spec.split.seed}
    elif family == "ridge":
        cls = linear_model.Ridge
    elif family == "baseline":
        return dummy.DummyClassifier(strategy="prior") if classifier else dummy.DummyRegressor(strategy="mean")
    else:
        raise ValueError(f"unknown model family {family!r}")
    _check_params(family, params, set(cls().get_params()))
    return cls(**{**defaults, **params})


def _columns(spec: ProjectSpec) -> dict[str, Any]:
    return {"task": spec.task, "numeric": spec.features.numeric, "categorical": spec.features.categorical}


def _train_sklearn(split: DatasetSplit, spec: ProjectSpec, family: str) -> SklearnModel:
    x = features_frame(split.train, spec.features.numeric, spec.features.categorical)
    pipeline = Pipeline(
        [("preprocess", build_preprocessor(spec)), ("model", _estimator(spec, family, dict(spec.model.params)))]
    )
    pipeline.fit(x, split.train[spec.target])
    classes = [c.item() if isinstance(c, np.generic) else c for c in pipeline.classes_] if spec.is_classifier else None
    return SklearnModel(pipeline=pipeline, family=family, classes=classes, **_columns(spec))


def _train_torch(split: DatasetSplit, spec: ProjectSpec, device_name: str) -> tuple[TorchMLPModel, TrainHistory, str]:
    from pipelines.torch_mlp import MLPConfig, fit_mlp, resolve_device

    device = resolve_device(device_name)
    preprocessor = clone(build_preprocessor(spec))
    columns = spec.features.numeric, spec.features.categorical
    x_train = np.asarray(preprocessor.fit_transform(features_frame(split.train, *columns)), dtype=np.float32)
    x_valid = np.asarray(preprocessor.transform(features_frame(split.valid, *columns)), dtype=np.float32)
    y_train_raw, y_valid_raw = split.train[spec.target].to_numpy(), split.valid[spec.target].to_numpy()
    classes: list[Any] | None = None
    scale = (0.0, 1.0)
    if spec.is_classifier:
        classes = sorted(np.unique(y_train_raw).tolist())
        index = {c: i for i, c in enumerate(classes)}
        y_train = np.array([index[c] for c in y_train_raw])
        y_valid = np.array([index.get(c, 0) for c in y_valid_raw])
        n_outputs = 1 if spec.task == "binary" else len(classes)
    else:
        scale = (float(y_train_raw.mean()), float(y_train_raw.std() or 1.0))
        y_train, y_valid = (y_train_raw - scale[0]) / scale[1], (y_valid_raw - scale[0]) / scale[1]
        n_outputs = 1
    _check_params("torch_mlp", spec.model.params, set(MLPConfig.__dataclass_fields__) - {"n_inputs", "n_outputs"})
    config = MLPConfig.from_params(x_train.shape[1], n_outputs, spec.model.params)
    network, history = fit_mlp(x_train, y_train, x_valid, y_valid, spec.task, config, device, spec.split.seed)
    model = TorchMLPModel(
        preprocessor=preprocessor, network=network, config=config, target_scale=scale, classes=classes, **_columns(spec)
    )
    return model, history, device.type


def train_model(split: DatasetSplit, spec: ProjectSpec, device: str = "auto") -> TrainResult:
    """Fit the spec's model family on the training split (torch uses the validation split to stop early).

    Args:
        split: the frames from `split_dataset`.
        spec: the project spec; `model.family` and `model.params` choose the estimator.
        device: "auto" (CUDA when present, else CPU), "cpu" or "cuda"; only the torch family uses it.
    """
    started = time.perf_counter()
    model: TabularModel
    if spec.model.family == "torch_mlp":
        model, history, used = _train_torch(split, spec, device)
    else:
        model, history, used = _train_sklearn(split, spec, spec.model.family), TrainHistory(), "cpu"
    return TrainResult(
        model=model, history=history, device=used, seconds=time.perf_counter() - started, train_rows=len(split.train)
    )
