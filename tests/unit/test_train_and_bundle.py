from pathlib import Path

import numpy as np
import pytest

from pipelines.evaluate import score_model
from pipelines.features import split_dataset
from pipelines.model_bundle import MANIFEST, ModelIntegrityError, load_model
from pipelines.train import train_model
from tests.factories import tiny_frame, tiny_spec

pytestmark = pytest.mark.unit

CASES = [
    ("binary", "logistic_regression", "roc_auc", 0.9),
    ("binary", "random_forest", "roc_auc", 0.9),
    ("binary", "gradient_boosting", "roc_auc", 0.9),
    ("binary", "torch_mlp", "roc_auc", 0.9),
    ("multiclass", "logistic_regression", "f1", 0.7),
    ("multiclass", "torch_mlp", "f1", 0.7),
    ("regression", "ridge", "r2", 0.8),
    ("regression", "gradient_boosting", "r2", 0.7),
    ("regression", "torch_mlp", "r2", 0.7),
]


@pytest.mark.parametrize(("task", "family", "metric", "floor"), CASES)
def test_each_family_learns_and_round_trips_through_its_bundle(tmp_path: Path, task, family, metric, floor) -> None:
    spec = tiny_spec(task, family)
    split = split_dataset(tiny_frame(rows=800, task=task), spec)
    result = train_model(split, spec, device="cpu")
    assert score_model(result.model, split.test, spec)[metric] > floor

    digest = result.model.save(tmp_path / "bundle")
    loaded = load_model(tmp_path / "bundle", expected_manifest_sha256=digest)
    assert np.array_equal(loaded.predict(split.test), result.model.predict(split.test))
    if task != "regression":
        assert np.allclose(loaded.predict_proba(split.test), result.model.predict_proba(split.test))
        assert loaded.classes == result.model.classes


def test_torch_training_is_seeded_and_stops_early() -> None:
    spec = tiny_spec("binary", "torch_mlp").with_overrides({"model.params": {"max_epochs": 200, "patience": 3}})
    split = split_dataset(tiny_frame(rows=600), spec)
    a, b = train_model(split, spec, device="cpu"), train_model(split, spec, device="cpu")
    assert a.history.valid_loss == b.history.valid_loss
    assert a.history.stopped_early and len(a.history.valid_loss) < 200
    assert a.history.best_epoch == int(np.argmin(a.history.valid_loss))
    assert a.device == "cpu"


def test_tampered_file_is_refused(tmp_path: Path) -> None:
    spec = tiny_spec()
    result = train_model(split_dataset(tiny_frame(), spec), spec)
    result.model.save(tmp_path / "bundle")
    with open(tmp_path / "bundle" / "pipeline.skops", "ab") as handle:
        handle.write(b"x")
    with pytest.raises(ModelIntegrityError, match="sha256"):
        load_model(tmp_path / "bundle")


def test_manifest_digest_mismatch_is_refused(tmp_path: Path) -> None:
    spec = tiny_spec()
    train_model(split_dataset(tiny_frame(), spec), spec).model.save(tmp_path / "bundle")
    with pytest.raises(ModelIntegrityError, match="recorded sha256"):
        load_model(tmp_path / "bundle", expected_manifest_sha256="0" * 64)
    assert (tmp_path / "bundle" / MANIFEST).exists()
