"""The request schema, derived from the project spec: one pydantic model per record.

Feature columns are required (nullable ones may be null); other non-target schema columns (ids) are optional and
passed through; any other key is refused. Types are strict (no "5" for 5), floats must be finite, columns with
`allowed` values become enums. Ranges (`min`/`max`) are data expectations for training and are not enforced
here, so out-of-range traffic still reaches the prediction log where drift monitoring can see it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, create_model

from shadowloop.spec import Column, ProjectSpec

FiniteFloat = Annotated[float, Field(allow_inf_nan=False, strict=False)]


class _RecordBase(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _column_type(column: Column) -> Any:
    if column.allowed:
        # Literal keeps the allowed values in the OpenAPI document as an enum.
        kind: Any = Literal[tuple(column.allowed)]
    else:
        kind = {"float": FiniteFloat, "int": StrictInt, "str": StrictStr, "bool": StrictBool}[column.dtype]
    return kind | None if column.nullable else kind


def record_model(spec: ProjectSpec) -> type[BaseModel]:
    """A pydantic model for one input record of this project."""
    fields: dict[str, Any] = {}
    for name in spec.features.all:
        column = spec.schema_[name]
        fields[name] = (_column_type(column), Field(description=_describe(column)))
    for name, column in spec.schema_.items():
        if name in fields or name == spec.target:
            continue
        fields[name] = (_column_type(column) | None, Field(None, description="Passed through to the log."))
    model = create_model(f"{_camel(spec.name)}Record", __base__=_RecordBase, **fields)
    return model


def example_record(spec: ProjectSpec) -> dict[str, Any]:
    """A valid record for docs, warm-up calls and tests: the first allowed value or a mid-range number."""
    record: dict[str, Any] = {}
    for name in spec.features.all:
        column = spec.schema_[name]
        if column.allowed:
            record[name] = column.allowed[0]
        elif column.dtype == "str":
            record[name] = "x"
        elif column.dtype == "bool":
            record[name] = False
        else:
            low = column.min if column.min is not None else 0.0
            high = column.max if column.max is not None else low + 1.0
            value = (low + high) / 2
            record[name] = int(value) if column.dtype == "int" else float(value)
    return record


def _describe(column: Column) -> str:
    parts: list[str] = [column.dtype]
    if column.min is not None or column.max is not None:
        parts.append(f"expected range [{column.min}, {column.max}]")
    if column.nullable:
        parts.append("nullable")
    return ", ".join(parts)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))
