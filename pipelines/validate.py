"""Validate: a Great Expectations suite built from the spec gates every snapshot before training.

A failed batch is moved to quarantine with its report, and DataValidationError names each failed expectation.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from pipelines.ingest import load_snapshot
from pipelines.types import DataValidationError, ExpectationFailure, Snapshot, ValidationReport
from shadowloop import storage
from shadowloop.spec import Column, ProjectSpec

# Accepted pandas dtypes per spec type (ints are fine where floats are expected).
_TYPE_LISTS = {
    "float": ["float64", "float32", "int64", "int32", "Float64", "Int64"],
    "int": ["int64", "int32", "Int64"],
    "bool": ["bool", "boolean"],
    # Object columns are checked value by value (GX does not know pandas 3's "str" dtype, so we hand it object).
    "str": ["str"],
}


def build_expectations(spec: ProjectSpec) -> list[Any]:
    """The suite's expectations: columns and types, nulls, ranges, allowed sets, row count."""
    import great_expectations as gx

    ex = gx.expectations
    expectations: list[Any] = [ex.ExpectTableRowCountToBeBetween(min_value=spec.min_rows)]
    for name, column in spec.schema_.items():
        expectations.append(ex.ExpectColumnToExist(column=name))
        expectations.append(ex.ExpectColumnValuesToBeInTypeList(column=name, type_list=_TYPE_LISTS[column.dtype]))
        if not column.nullable:
            expectations.append(ex.ExpectColumnValuesToNotBeNull(column=name))
        if column.min is not None or column.max is not None:
            expectations.append(
                ex.ExpectColumnValuesToBeBetween(column=name, min_value=column.min, max_value=column.max)
            )
        if column.allowed is not None:
            expectations.append(ex.ExpectColumnValuesToBeInSet(column=name, value_set=list(column.allowed)))
    return expectations


def _for_gx(frame: pd.DataFrame, schema: dict[str, Column]) -> pd.DataFrame:
    frame = frame.copy()
    for name, column in schema.items():
        if column.dtype == "str" and name in frame and pd.api.types.is_string_dtype(frame[name]):
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame


def run_expectations(frame: pd.DataFrame, spec: ProjectSpec) -> tuple[int, list[ExpectationFailure], dict[str, Any]]:
    """Run the suite on a frame: (number evaluated, failures, GX's JSON result)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (
        context.data_sources.add_pandas("lake")
        .add_dataframe_asset(spec.name)
        .add_batch_definition_whole_dataframe("snapshot")
    )
    suite = gx.ExpectationSuite(name=f"{spec.name}_suite", expectations=build_expectations(spec))
    batch = batch_definition.get_batch(batch_parameters={"dataframe": _for_gx(frame, spec.schema_)})
    result = batch.validate(suite)
    missing = {c for c in spec.schema_ if c not in frame.columns}
    failures = []
    for item in result.results:
        config = item.expectation_config
        if item.success or config is None:
            continue
        column = config.kwargs.get("column")
        kind = config.type
        if column in missing and kind != "expect_column_to_exist":
            continue  # one clear "column missing" failure instead of one per expectation on it
        failures.append(
            ExpectationFailure(
                expectation=kind,
                column=column,
                unexpected_count=item.result.get("unexpected_count"),
                detail=_detail(item.result, config.kwargs),
            )
        )
    return len(result.results), failures, result.to_json_dict()


def _detail(result: dict[str, Any], kwargs: dict[str, Any]) -> str:
    if "partial_unexpected_list" in result and result["partial_unexpected_list"]:
        return f"e.g. {result['partial_unexpected_list'][:5]}"
    if "observed_value" in result:
        return f"observed {result['observed_value']!r}"
    expected = {k: v for k, v in kwargs.items() if k not in ("column", "batch_id")}
    return f"expected {expected}" if expected else "column not found"


def _markdown(spec: ProjectSpec, snapshot: Snapshot, evaluated: int, failures: list[ExpectationFailure]) -> str:
    verdict = "PASSED" if not failures else f"FAILED ({len(failures)} of {evaluated} expectations)"
    lines = [
        f"# Validation of `{spec.name}` snapshot `{snapshot.sha256[:12]}`: {verdict}",
        "",
        f"- snapshot: `{snapshot.uri}` ({snapshot.rows} rows)",
        f"- source: `{snapshot.source}`",
        "",
    ]
    if failures:
        lines += ["| expectation | column | unexpected | detail |", "|---|---|---|---|"]
        lines += [f"| {f.expectation} | {f.column or ''} | {f.unexpected_count or ''} | {f.detail} |" for f in failures]
    return "\n".join(lines) + "\n"


def validate_snapshot(snapshot: Snapshot, spec: ProjectSpec, lake_uri: str) -> ValidationReport:
    """Validate a snapshot; on failure quarantine it with its report and raise DataValidationError."""
    frame = load_snapshot(snapshot)
    evaluated, failures, raw = run_expectations(frame, spec)
    passed = not failures
    folder = storage.join(lake_uri, "reports" if passed else "quarantine", spec.name, snapshot.sha256)
    report = ValidationReport(
        success=passed,
        snapshot_sha256=snapshot.sha256,
        evaluated=evaluated,
        failures=failures,
        report_uri=storage.join(folder, "validation.json"),
        markdown_uri=storage.join(folder, "validation.md"),
    )
    storage.write_bytes(report.report_uri, json.dumps({"summary": report.to_dict(), "gx": raw}, default=str).encode())
    storage.write_bytes(report.markdown_uri, _markdown(spec, snapshot, evaluated, failures).encode())
    if passed:
        return report
    storage.move(snapshot.uri, storage.join(folder, "snapshot.parquet"))
    meta = snapshot.uri.removesuffix(".parquet") + ".json"
    if storage.exists(meta):
        storage.move(meta, storage.join(folder, "snapshot.json"))
    raise DataValidationError(report, quarantine_uri=folder)
