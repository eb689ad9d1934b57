import pytest

from pipelines.demo_data import NEW_CATEGORY, generate_fraud, load_sklearn_dataset

pytestmark = pytest.mark.unit


def test_fraud_is_seeded_and_a_few_percent() -> None:
    a, b = generate_fraud(rows=5000, seed=1), generate_fraud(rows=5000, seed=1)
    assert a.equals(b)
    assert 0.01 < a["is_fraud"].mean() < 0.06
    assert not generate_fraud(rows=5000, seed=2).equals(a)


def test_drift_shifts_distributions_and_adds_a_category() -> None:
    base, drifted = generate_fraud(rows=5000, seed=1), generate_fraud(rows=5000, seed=1, drift=1.0)
    assert drifted["amount"].median() > 1.5 * base["amount"].median()
    assert (drifted["hour"] < 6).mean() > (base["hour"] < 6).mean() + 0.2
    assert NEW_CATEGORY in set(drifted["merchant_category"]) and NEW_CATEGORY not in set(base["merchant_category"])


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("nulls", lambda f: f["amount"].isna().sum() > 0),
        ("out_of_range", lambda f: (f["hour"] > 23).any() and (f["amount"] < 0).any()),
        ("missing_column", lambda f: "velocity_1h" not in f),
        ("renamed_column", lambda f: "account_age" in f and "account_age_days" not in f),
        ("bad_category", lambda f: "unknown_merchant" in set(f["merchant_category"])),
    ],
)
def test_corruption_knobs(kind, check) -> None:
    assert check(generate_fraud(rows=2000, corruption=[kind]))


@pytest.mark.parametrize(("name", "rows"), [("diabetes", 442), ("wine", 178), ("breast_cancer", 569)])
def test_bundled_real_datasets_load_offline(name: str, rows: int) -> None:
    frame = load_sklearn_dataset(name)
    assert len(frame) == rows and "target" in frame
