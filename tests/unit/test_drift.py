"""Profile, PSI, KS / chi-square and the drift report on small synthetic frames."""

import math

import numpy as np
import pandas as pd
import pytest

from pipelines.demo_data import NEW_CATEGORY, generate_fraud
from pipelines.drift import DriftReport, detect_drift, psi
from pipelines.profile import CategoricalProfile, NumericProfile, ReferenceProfile, profile_frame

pytestmark = pytest.mark.unit
NUMERIC = ["amount", "hour", "country_mismatch", "velocity_1h", "account_age_days", "distance_km"]
CATEGORICAL = ["merchant_category"]


@pytest.fixture(scope="module")
def reference() -> ReferenceProfile:
    return profile_frame(generate_fraud(rows=5000, seed=1), NUMERIC, CATEGORICAL, {"dataset_sha256": "abc"})


def test_profile_survives_json_and_keeps_bins_counts_and_frequencies(reference) -> None:
    again = ReferenceProfile.from_json(reference.to_json())
    assert again == reference
    amount = again.features["amount"]
    assert isinstance(amount, NumericProfile)
    assert len(amount.counts) == len(amount.edges) + 1 == 10 and sum(amount.counts) == 5000
    flag = again.features["country_mismatch"]
    assert isinstance(flag, NumericProfile) and len(flag.edges) <= 2  # repeated quantiles collapse
    category = again.features["merchant_category"]
    assert isinstance(category, CategoricalProfile) and sum(category.counts.values()) == 5000


def test_psi_is_zero_for_identical_shares_and_grows_with_the_shift() -> None:
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0
    assert 0 < psi([0.5, 0.5], [0.6, 0.4]) < psi([0.5, 0.5], [0.9, 0.1])
    assert math.isfinite(psi([1.0, 0.0], [0.0, 1.0]))  # empty bins are floored, not infinite


def test_undrifted_traffic_is_not_drift(reference) -> None:
    report = detect_drift(reference, generate_fraud(rows=600, seed=2), psi_threshold=0.2, min_window_rows=200)
    assert report.status == "no_drift"
    assert report.drifted_features == []
    assert report.max_psi < 0.2


def test_drifted_traffic_names_the_moved_features(reference) -> None:
    report = detect_drift(reference, generate_fraud(rows=600, seed=3, drift=0.8), 0.2, 200, {"project": "fraud"})
    assert report.status == "drift"
    assert {"amount", "hour", "velocity_1h", "merchant_category"} <= set(report.drifted_features)
    assert "account_age_days" not in report.drifted_features  # the generator never shifts it
    by_name = {f.name: f for f in report.features}
    assert by_name["merchant_category"].new_categories == [NEW_CATEGORY]
    assert by_name["amount"].test == "ks" and by_name["amount"].p_value < 1e-6
    assert by_name["merchant_category"].test == "chi2" and by_name["merchant_category"].p_value < 1e-6


@pytest.mark.parametrize("rows", [0, 1, 199])
def test_an_empty_or_tiny_window_is_insufficient_data_not_drift(reference, rows: int) -> None:
    window = generate_fraud(rows=max(rows, 1), seed=4, drift=1.0).head(rows)
    report = detect_drift(reference, window, psi_threshold=0.2, min_window_rows=200)
    assert report.status == "insufficient_data"
    assert report.drifted_features == [] and report.features == []
    assert report.window_rows == rows


def test_a_window_without_a_feature_column_counts_it_as_missing(reference) -> None:
    window = generate_fraud(rows=300, seed=5).drop(columns=["distance_km"])
    report = detect_drift(reference, window, 0.2, 200)
    assert report.drifted_features == ["distance_km"]


def test_ks_on_a_pure_location_shift() -> None:
    rng = np.random.default_rng(0)
    ref = profile_frame(pd.DataFrame({"x": rng.normal(0, 1, 2000)}), ["x"], [])
    same = detect_drift(ref, pd.DataFrame({"x": rng.normal(0, 1, 500)}), 0.2, 100)
    moved = detect_drift(ref, pd.DataFrame({"x": rng.normal(1, 1, 500)}), 0.2, 100)
    assert same.status == "no_drift" and same.features[0].p_value > 0.01
    assert moved.drifted_features == ["x"] and moved.features[0].statistic > 0.3


def test_report_round_trips_and_renders(reference, tmp_path) -> None:
    from pipelines.drift_report import render_html, render_png

    report = detect_drift(reference, generate_fraud(rows=400, seed=6, drift=0.8), 0.2, 200, {"project": "fraud"})
    assert DriftReport.from_json(report.to_json()).to_json() == report.to_json()
    png = render_png(report, tmp_path / "drift.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
    page = render_html(report, png)
    assert "Drift detected" in page and "merchant_category" in page and "data:image/png;base64," in page
    empty = detect_drift(reference, generate_fraud(rows=10, seed=7), 0.2, 200)
    assert "Insufficient data" in render_html(empty, render_png(empty, tmp_path / "empty.png"))
