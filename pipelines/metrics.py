"""Metrics for every task type, from labels, scores and probabilities."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import metrics as skm


def positive_scores(proba: np.ndarray) -> np.ndarray:
    """The positive-class column of a binary classifier's probabilities."""
    return proba[:, 1]


def classification_metrics(
    y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray, classes: list[Any]
) -> dict[str, float]:
    result = {
        "accuracy": skm.accuracy_score(y_true, y_pred),
        "balanced_accuracy": skm.balanced_accuracy_score(y_true, y_pred),
        "log_loss": skm.log_loss(y_true, proba, labels=classes),
    }
    present = len(np.unique(y_true)) > 1
    if len(classes) == 2:
        scores = positive_scores(proba)
        result["f1"] = skm.f1_score(y_true, y_pred, pos_label=classes[1], zero_division=0)
        if present:
            positive = np.asarray(y_true) == classes[1]
            result["roc_auc"] = skm.roc_auc_score(positive, scores)
            result["pr_auc"] = skm.average_precision_score(positive, scores)
    else:
        result["f1"] = skm.f1_score(y_true, y_pred, average="macro", zero_division=0)
        if present:
            result["roc_auc"] = skm.roc_auc_score(y_true, proba, multi_class="ovr", labels=classes)
            onehot = (np.asarray(y_true)[:, None] == np.asarray(classes)[None, :]).astype(int)
            result["pr_auc"] = skm.average_precision_score(onehot, proba, average="macro")
    return {k: float(v) for k, v in result.items()}


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    return {
        "rmse": float(skm.root_mean_squared_error(y_true, y_pred)),
        "mae": float(skm.mean_absolute_error(y_true, y_pred)),
        "r2": float(skm.r2_score(y_true, y_pred)),
    }
