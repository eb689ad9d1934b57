import numpy as np
import pytest

from pipelines.features import build_preprocessor, features_frame, split_dataset
from tests.factories import tiny_frame, tiny_spec

pytestmark = pytest.mark.unit


def test_split_is_deterministic_disjoint_and_stratified() -> None:
    spec = tiny_spec()
    frame = tiny_frame(rows=1000)
    a, b = split_dataset(frame, spec), split_dataset(frame, spec)
    assert a.train.index.equals(b.train.index) and a.test.index.equals(b.test.index)
    assert not set(a.train.index) & set(a.test.index) and not set(a.valid.index) & set(a.test.index)
    assert sum(a.sizes().values()) == 1000 and a.sizes()["test"] == 200
    assert abs(a.train["y"].mean() - a.test["y"].mean()) < 0.02
    other = split_dataset(frame, spec.with_overrides({"split.seed": 1}))
    assert not other.test.index.equals(a.test.index)


def test_split_keeps_only_features_and_target() -> None:
    split = split_dataset(tiny_frame(), tiny_spec())
    assert list(split.train.columns) == ["x1", "x2", "colour", "y"]


def test_preprocessor_is_fitted_on_train_only_and_ignores_unseen_categories() -> None:
    spec = tiny_spec()
    split = split_dataset(tiny_frame(rows=500), spec)
    columns = spec.features.numeric, spec.features.categorical
    pre = build_preprocessor(spec).fit(features_frame(split.train, *columns))
    scaled = pre.transform(features_frame(split.train, *columns))
    assert np.allclose(scaled[:, 0].mean(), 0, atol=1e-9)  # train statistics, exactly
    unseen = split.test.head(3).assign(colour="purple", x1=np.nan)
    out = pre.transform(features_frame(unseen, *columns))
    assert np.isfinite(out).all() and out[:, 2:].sum() == 0  # unknown colour -> all-zero one-hot
