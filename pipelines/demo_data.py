"""Demo data: a seeded card-fraud generator with knobs for size, drift and corruption, and the real data sets
that ship inside scikit-learn (no download at run time)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

MERCHANT_CATEGORIES = ["grocery", "restaurant", "fuel", "electronics", "travel", "online_services", "gaming", "jewelry"]
_CATEGORY_RISK = dict(zip(MERCHANT_CATEGORIES, [-0.6, -0.4, -0.3, 0.5, 0.4, 0.3, 0.7, 0.9], strict=True))
NEW_CATEGORY = "crypto_exchange"  # appears only in drifted data
Corruption = Literal["nulls", "out_of_range", "missing_column", "renamed_column", "bad_category"]


def generate_fraud(
    rows: int = 20_000,
    seed: int = 7,
    drift: float = 0.0,
    corruption: list[Corruption] | None = None,
) -> pd.DataFrame:
    """Card transactions with a few percent fraud.

    Args:
        rows: number of transactions.
        seed: random seed; the same seed gives the same frame.
        drift: 0 for the training distribution; towards 1 shifts amounts up, moves activity to the night,
            raises velocity and introduces a merchant category never seen in training.
        corruption: defects to inject, to exercise validation and quarantine.
    """
    rng = np.random.default_rng(seed)
    probabilities = np.full(len(MERCHANT_CATEGORIES), 1 / len(MERCHANT_CATEGORIES))
    category = rng.choice(MERCHANT_CATEGORIES, size=rows, p=probabilities).astype(object)
    if drift > 0:
        category[rng.random(rows) < 0.15 * drift] = NEW_CATEGORY
    amount = np.round(rng.lognormal(mean=3.6 + 0.8 * drift, sigma=1.0, size=rows), 2)
    night_share = 0.15 + 0.35 * drift
    hour = np.where(rng.random(rows) < night_share, rng.integers(0, 6, rows), rng.integers(6, 24, rows))
    country_mismatch = (rng.random(rows) < 0.05 + 0.1 * drift).astype(np.int64)
    velocity_1h = rng.poisson(1.5 + 2.0 * drift, rows).astype(np.int64)
    account_age_days = rng.integers(1, 3650, rows).astype(np.int64)
    distance_km = np.round(rng.exponential(20 + 30 * drift, rows), 1)

    risk = np.array([_CATEGORY_RISK.get(c, 1.0) for c in category])
    logit = -9.2 + 2.0 * (
        1.2 * np.log1p(amount / 100)
        + 1.8 * (hour < 6)
        + 2.6 * country_mismatch
        + 0.6 * velocity_1h
        - 0.3 * np.log1p(account_age_days / 30)
        + 0.01 * distance_km
        + 1.5 * risk
    )
    is_fraud = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    frame = pd.DataFrame(
        {
            "transaction_id": [f"tx-{seed}-{i:08d}" for i in range(rows)],
            "amount": amount,
            "merchant_category": pd.Series(category, dtype="str"),
            "hour": hour.astype(np.int64),
            "country_mismatch": country_mismatch,
            "velocity_1h": velocity_1h,
            "account_age_days": account_age_days,
            "distance_km": distance_km,
            "is_fraud": is_fraud,
        }
    )
    for kind in corruption or []:
        frame = _corrupt(frame, kind, rng)
    return frame


def _corrupt(frame: pd.DataFrame, kind: Corruption, rng: np.random.Generator) -> pd.DataFrame:
    frame = frame.copy()
    picked = rng.random(len(frame)) < 0.02
    if kind == "nulls":
        frame.loc[picked, "amount"] = np.nan
    elif kind == "out_of_range":
        frame.loc[picked, "hour"] = 31
        frame.loc[picked, "amount"] = -frame.loc[picked, "amount"]
    elif kind == "missing_column":
        frame = frame.drop(columns=["velocity_1h"])
    elif kind == "renamed_column":
        frame = frame.rename(columns={"account_age_days": "account_age"})
    elif kind == "bad_category":
        frame.loc[picked, "merchant_category"] = "unknown_merchant"
    return frame


def load_sklearn_dataset(name: Literal["diabetes", "wine", "breast_cancer"]) -> pd.DataFrame:
    """A real data set bundled with scikit-learn, as a frame with a `target` column."""
    from sklearn import datasets

    loader = {
        "diabetes": datasets.load_diabetes,
        "wine": datasets.load_wine,
        "breast_cancer": datasets.load_breast_cancer,
    }[name]
    frame: pd.DataFrame = loader(as_frame=True).frame
    frame.columns = [str(c).replace(" ", "_").replace("/", "_") for c in frame.columns]
    return frame
