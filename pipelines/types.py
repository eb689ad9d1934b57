"""The artefacts the steps hand to each other. Plain dataclasses, JSON-friendly, so they cross XCom as dicts."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Snapshot:
    """An immutable Parquet file in the lake, addressed by the sha256 of its bytes."""

    project: str
    uri: str
    sha256: str
    rows: int
    schema: dict[str, str]
    source: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        return cls(**data)


@dataclass(frozen=True)
class ExpectationFailure:
    expectation: str
    column: str | None
    unexpected_count: int | None
    detail: str

    def describe(self) -> str:
        where = f" on column '{self.column}'" if self.column else ""
        count = f": {self.unexpected_count} unexpected value(s)" if self.unexpected_count else ""
        return f"{self.expectation}{where}{count} ({self.detail})"


@dataclass(frozen=True)
class ValidationReport:
    success: bool
    snapshot_sha256: str
    evaluated: int
    failures: list[ExpectationFailure]
    report_uri: str
    markdown_uri: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class DataValidationError(Exception):
    """A batch failed its expectations; it sits in quarantine and nothing downstream may run."""

    def __init__(self, report: ValidationReport, quarantine_uri: str):
        self.report = report
        self.quarantine_uri = quarantine_uri
        lines = [
            f"snapshot {report.snapshot_sha256[:12]} failed {len(report.failures)} of "
            f"{report.evaluated} expectations; quarantined at {quarantine_uri}"
        ]
        lines += [f"  - {failure.describe()}" for failure in report.failures]
        super().__init__("\n".join(lines))


@dataclass
class TrainHistory:
    """Per-epoch losses (torch) or a single point (scikit-learn)."""

    train_loss: list[float] = field(default_factory=list)
    valid_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0
    stopped_early: bool = False


@dataclass
class Evaluation:
    metrics: dict[str, float]
    baseline_metrics: dict[str, float]
    checks: dict[str, bool]
    check_details: dict[str, str]
    plots: dict[str, str]
    table_path: str
