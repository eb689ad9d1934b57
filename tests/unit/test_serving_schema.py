"""The request schema derived from the spec, and cache keys."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from pydantic import ValidationError

from serving.cache_keys import cache_key, canonical_record
from serving.request_schema import example_record, record_model
from shadowloop.spec import load_spec

pytestmark = pytest.mark.unit

SPECS = Path(__file__).resolve().parents[2] / "specs"


@pytest.fixture(scope="module")
def fraud():  # type: ignore[no-untyped-def]
    return load_spec(SPECS / "fraud.yaml")


def test_example_record_is_valid_for_every_spec() -> None:
    for path in sorted(SPECS.glob("*.yaml")):
        spec = load_spec(path)
        record_model(spec).model_validate(example_record(spec))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": math.nan}, "amount"),
        ({"amount": math.inf}, "amount"),
        ({"hour": "3"}, "hour"),
        ({"hour": 3.5}, "hour"),
        ({"hour": True}, "hour"),
        ({"merchant_category": "casino"}, "merchant_category"),
        ({"country_mismatch": 2}, "country_mismatch"),
        ({"unknown": 1}, "unknown"),
        ({"is_fraud": 1}, "is_fraud"),
    ],
)
def test_bad_values_are_refused_naming_the_field(fraud, change: dict[str, object], field: str) -> None:  # type: ignore[no-untyped-def]
    record = {**example_record(fraud), **change}
    with pytest.raises(ValidationError) as error:
        record_model(fraud).model_validate(record)
    assert field in str(error.value)


def test_missing_feature_is_refused_and_ids_pass_through(fraud) -> None:  # type: ignore[no-untyped-def]
    model = record_model(fraud)
    record = example_record(fraud)
    assert model.model_validate({**record, "transaction_id": "t-1"}).model_dump()["transaction_id"] == "t-1"
    with pytest.raises(ValidationError, match="amount"):
        model.model_validate({k: v for k, v in record.items() if k != "amount"})


def test_int_in_a_float_column_is_a_float(fraud) -> None:  # type: ignore[no-untyped-def]
    value = record_model(fraud).model_validate({**example_record(fraud), "amount": 5}).model_dump()["amount"]
    assert isinstance(value, float)


def test_openapi_schema_lists_allowed_categories(fraud) -> None:  # type: ignore[no-untyped-def]
    schema = record_model(fraud).model_json_schema()
    assert "crypto_exchange" in schema["properties"]["merchant_category"]["enum"]


def test_cache_key_is_canonical_and_versioned() -> None:
    features = ["a", "b"]
    assert canonical_record({"b": 1, "a": "x", "id": 9}, features) == canonical_record({"a": "x", "b": 1}, features)
    one = cache_key("p", "1", {"a": "x", "b": 1.0}, features)
    assert one == cache_key("p", "1", {"b": 1.0, "a": "x", "id": 3}, features)
    assert one != cache_key("p", "2", {"a": "x", "b": 1.0}, features)
    assert one != cache_key("p", "1", {"a": "x", "b": 2.0}, features)
    assert one.startswith("sl:p:1:")
