"""Features: a deterministic split by seed, and preprocessing fitted on the training split only.

The fitted preprocessor is saved inside the model bundle, so serving applies exactly the same transform.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from shadowloop.spec import ProjectSpec


@dataclass
class DatasetSplit:
    """Train, validation and test frames holding the spec's features and target."""

    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "valid": len(self.valid), "test": len(self.test)}


def split_dataset(frame: pd.DataFrame, spec: ProjectSpec) -> DatasetSplit:
    """Split by the spec's seed (stratified for classifiers): same data and seed, same split."""
    columns = [*spec.features.all, spec.target]
    frame = frame[columns].reset_index(drop=True)
    stratify = frame[spec.target] if spec.is_classifier else None
    rest, test = train_test_split(
        frame, test_size=spec.split.test_size, random_state=spec.split.seed, stratify=stratify
    )
    valid_share = spec.split.valid_size / (1 - spec.split.test_size)
    train, valid = train_test_split(
        rest,
        test_size=valid_share,
        random_state=spec.split.seed,
        stratify=rest[spec.target] if spec.is_classifier else None,
    )
    return DatasetSplit(train=train, valid=valid, test=test)


def build_preprocessor(spec: ProjectSpec) -> ColumnTransformer:
    """Impute and scale numeric columns; one-hot encode categoricals, ignoring categories unseen in training."""
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    categorical = Pipeline(
        [
            ("impute", SimpleImputer(strategy="constant", fill_value="__missing__")),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]
    )
    return ColumnTransformer(
        [("numeric", numeric, spec.features.numeric), ("categorical", categorical, spec.features.categorical)],
        remainder="drop",
        verbose_feature_names_out=False,
    )


def features_frame(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
    """Only the feature columns, in order, categoricals as plain objects (what the preprocessor expects)."""
    features = frame[[*numeric, *categorical]].copy()
    for name in categorical:
        features[name] = features[name].astype(object).where(features[name].notna(), np.nan)
    return features
