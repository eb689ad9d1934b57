from pathlib import Path

import pytest

from pipelines.demo_data import generate_fraud
from pipelines.ingest import ingest
from pipelines.types import DataValidationError
from pipelines.validate import validate_snapshot
from shadowloop.spec import load_spec
from tests.factories import tiny_frame, tiny_spec

pytestmark = pytest.mark.unit


def _ingest(tmp_path: Path, frame, spec=None):
    source = tmp_path / "batch.csv"
    frame.to_csv(source, index=False)
    spec = spec or tiny_spec(uri=str(source))
    lake = str(tmp_path / "lake")
    return spec, lake, ingest(spec, lake, spec.source.model_copy(update={"uri": str(source)}))


def test_clean_batch_passes_and_keeps_report(tmp_path: Path) -> None:
    spec, lake, snapshot = _ingest(tmp_path, tiny_frame())
    report = validate_snapshot(snapshot, spec, lake)
    assert report.success and not report.failures
    assert Path(report.report_uri).exists() and "PASSED" in Path(report.markdown_uri).read_text()
    assert Path(snapshot.uri).exists()


@pytest.mark.parametrize(
    ("corruption", "expectation", "column"),
    [
        ("nulls", "expect_column_values_to_not_be_null", "amount"),
        ("out_of_range", "expect_column_values_to_be_between", "hour"),
        ("missing_column", "expect_column_to_exist", "velocity_1h"),
        ("renamed_column", "expect_column_to_exist", "account_age_days"),
        ("bad_category", "expect_column_values_to_be_in_set", "merchant_category"),
    ],
)
def test_corrupted_batch_is_quarantined_with_named_failures(tmp_path: Path, corruption, expectation, column) -> None:
    spec = load_spec("specs/fraud.yaml")
    frame = generate_fraud(rows=2000, seed=3, corruption=[corruption])
    spec, lake, snapshot = _ingest(tmp_path, frame, spec)
    with pytest.raises(DataValidationError) as error:
        validate_snapshot(snapshot, spec, lake)
    failures = {(f.expectation, f.column) for f in error.value.report.failures}
    assert (expectation, column) in failures
    assert expectation in str(error.value) and column in str(error.value)
    quarantine = Path(error.value.quarantine_uri)
    assert (quarantine / "snapshot.parquet").exists() and (quarantine / "validation.md").exists()
    assert not Path(snapshot.uri).exists()  # moved, not copied: nothing can train on it


def test_counts_unexpected_values(tmp_path: Path) -> None:
    frame = tiny_frame()
    frame.loc[:9, "x2"] = 42
    spec, lake, snapshot = _ingest(tmp_path, frame)
    with pytest.raises(DataValidationError) as error:
        validate_snapshot(snapshot, spec, lake)
    (failure,) = error.value.report.failures
    assert failure.column == "x2" and failure.unexpected_count == 10


def test_too_few_rows(tmp_path: Path) -> None:
    spec, lake, snapshot = _ingest(tmp_path, tiny_frame(rows=20))
    with pytest.raises(DataValidationError, match="expect_table_row_count_to_be_between"):
        validate_snapshot(snapshot, spec, lake)


def test_wrong_type_is_named(tmp_path: Path) -> None:
    frame = tiny_frame()
    frame["x2"] = frame["x2"].astype(str) + "x"
    spec, lake, snapshot = _ingest(tmp_path, frame)
    with pytest.raises(DataValidationError) as error:
        validate_snapshot(snapshot, spec, lake)
    assert ("expect_column_values_to_be_in_type_list", "x2") in {
        (f.expectation, f.column) for f in error.value.report.failures
    }
