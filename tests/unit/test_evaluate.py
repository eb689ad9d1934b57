from pathlib import Path

import pytest

from pipelines.behaviour import check_direction, check_invariance
from pipelines.evaluate import evaluate_model, improvement
from pipelines.features import split_dataset
from pipelines.train import train_model
from tests.factories import tiny_frame, tiny_spec

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("task", "plots"),
    [
        ("binary", {"roc_curve", "pr_curve", "confusion_matrix", "feature_importance"}),
        ("multiclass", {"confusion_matrix", "feature_importance"}),
        ("regression", {"residuals", "feature_importance"}),
    ],
)
def test_evaluation_beats_baseline_and_writes_artifacts(tmp_path: Path, task: str, plots: set[str]) -> None:
    spec = tiny_spec(task)
    split = split_dataset(tiny_frame(rows=600, task=task), spec)
    model = train_model(split, spec).model
    baseline = train_model(split, spec.with_overrides({"model.family": "baseline"})).model
    result = evaluate_model(model, baseline, split, spec, tmp_path)
    primary = spec.metrics.primary
    assert improvement(primary, result.metrics[primary], result.baseline_metrics[primary]) > 0
    assert set(result.plots) == plots and all(Path(p).stat().st_size > 1000 for p in result.plots.values())
    assert Path(result.table_path).exists()
    assert result.checks["invariance_irrelevant_column"]
    if task != "multiclass":
        assert result.checks["direction_x1"]


def test_direction_check_catches_a_reversed_feature() -> None:
    spec = tiny_spec()
    frame = tiny_frame(rows=600)
    model = train_model(split_dataset(frame, spec), spec).model
    assert check_direction(model, frame, "x1", "increasing")[0]
    passed, detail = check_direction(model, frame, "x1", "decreasing")
    assert not passed and "x1" in detail


def test_invariance_check_catches_a_model_reading_columns_by_position() -> None:
    spec = tiny_spec()
    frame = tiny_frame(rows=300)
    model = train_model(split_dataset(frame, spec), spec).model

    columns = list(frame.columns)

    class Positional(type(model)):  # reads columns by position, whatever their names: a classic serving bug
        def predict_proba(self, f):  # type: ignore[override]
            return super().predict_proba(f.iloc[:, : len(columns)].set_axis(columns, axis=1))

    broken = Positional(
        pipeline=model.pipeline,
        family=model.family,
        task=model.task,
        numeric=model.numeric,
        categorical=model.categorical,
        classes=model.classes,
    )
    assert check_invariance(model, frame)[0]
    assert not check_invariance(broken, frame)[0]


@pytest.mark.parametrize(
    ("metric", "candidate", "reference", "better"), [("rmse", 1.0, 2.0, True), ("roc_auc", 0.7, 0.8, False)]
)
def test_improvement_respects_metric_direction(metric, candidate, reference, better) -> None:
    assert (improvement(metric, candidate, reference) > 0) is better
