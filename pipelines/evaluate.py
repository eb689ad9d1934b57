"""Evaluate: held-out metrics against a trivial baseline, plots, feature importance and behavioural checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines.behaviour import behavioural_checks
from pipelines.features import DatasetSplit
from pipelines.metrics import classification_metrics, regression_metrics
from pipelines.model_bundle import TabularModel
from pipelines.types import Evaluation
from shadowloop.spec import LOWER_IS_BETTER, ProjectSpec


def score_model(model: TabularModel, frame: pd.DataFrame, spec: ProjectSpec) -> dict[str, float]:
    """Every metric of the spec's task on a frame holding the features and the target."""
    y_true = frame[spec.target].to_numpy()
    if not spec.is_classifier:
        return regression_metrics(y_true, model.predict(frame))
    assert model.classes is not None
    return classification_metrics(y_true, model.predict(frame), model.predict_proba(frame), model.classes)


def improvement(metric: str, candidate: float, reference: float) -> float:
    """How much better the candidate is, positive when better, whatever the metric's direction."""
    return reference - candidate if metric in LOWER_IS_BETTER else candidate - reference


def _importance(model: TabularModel, frame: pd.DataFrame, spec: ProjectSpec, repeats: int = 3) -> dict[str, float]:
    """Permutation importance: how much the primary metric worsens when one feature's values are shuffled."""
    sample = frame.sample(n=min(len(frame), 2000), random_state=spec.split.seed).reset_index(drop=True)
    primary = spec.metrics.primary
    reference = score_model(model, sample, spec)[primary]
    rng = np.random.default_rng(spec.split.seed)
    importance = {}
    for feature in model.features:
        losses = []
        for _ in range(repeats):
            shuffled = sample.assign(**{feature: rng.permutation(sample[feature].to_numpy())})
            losses.append(improvement(primary, reference, score_model(model, shuffled, spec)[primary]))
        importance[feature] = float(np.mean(losses))
    return importance


def _plots(
    model: TabularModel, frame: pd.DataFrame, spec: ProjectSpec, importance: dict[str, float], out: Path
) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn import metrics as skm

    paths: dict[str, str] = {}

    def save(name: str, figure: Any) -> None:
        path = out / f"{name}.png"
        figure.savefig(path, dpi=90, bbox_inches="tight")
        plt.close(figure)
        paths[name] = str(path)

    y_true = frame[spec.target].to_numpy()
    if spec.task == "binary":
        assert model.classes is not None
        scores = model.predict_proba(frame)[:, 1]
        positive = y_true == model.classes[1]
        save("roc_curve", skm.RocCurveDisplay.from_predictions(positive, scores).figure_)
        save("pr_curve", skm.PrecisionRecallDisplay.from_predictions(positive, scores).figure_)
    if spec.is_classifier:
        save("confusion_matrix", skm.ConfusionMatrixDisplay.from_predictions(y_true, model.predict(frame)).figure_)
    else:
        display = skm.PredictionErrorDisplay.from_predictions(
            y_true, model.predict(frame), kind="residual_vs_predicted"
        )
        save("residuals", display.figure_)
    figure, axis = plt.subplots(figsize=(6, 0.35 * len(importance) + 1))
    ordered = sorted(importance.items(), key=lambda kv: kv[1])
    axis.barh([k for k, _ in ordered], [v for _, v in ordered])
    axis.set_xlabel(f"permutation importance ({spec.metrics.primary})")
    save("feature_importance", figure)
    return paths


def evaluate_model(
    model: TabularModel, baseline: TabularModel, split: DatasetSplit, spec: ProjectSpec, out_dir: str | Path
) -> Evaluation:
    """Score the model and a trivial baseline on the test split; write plots and an evaluation table to out_dir."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    metrics = score_model(model, split.test, spec)
    baseline_metrics = score_model(baseline, split.test, spec)
    importance = _importance(model, split.test, spec)
    checks = behavioural_checks(model, split.test, spec)
    plots = _plots(model, split.test, spec, importance, out)
    table = pd.DataFrame({"model": metrics, "baseline": baseline_metrics})
    table["improvement"] = [improvement(m, table.loc[m, "model"], table.loc[m, "baseline"]) for m in table.index]
    table_path = out / "evaluation.csv"
    table.to_csv(table_path, index_label="metric")
    evaluation = Evaluation(
        metrics=metrics,
        baseline_metrics=baseline_metrics,
        checks={name: passed for name, (passed, _) in checks.items()},
        check_details={name: detail for name, (_, detail) in checks.items()},
        plots=plots,
        table_path=str(table_path),
    )
    (out / "evaluation.json").write_text(
        json.dumps(
            {"metrics": metrics, "baseline": baseline_metrics, "importance": importance, "checks": checks}, indent=2
        )
    )
    return evaluation
