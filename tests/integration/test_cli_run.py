"""The CLI end to end on the shipped specs: generate data, run every step, read the summary."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from shadowloop.cli import app

pytestmark = pytest.mark.integration
runner = CliRunner()


def _invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def demo_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from a scratch folder holding the specs, as a user's checkout would."""
    root = Path(__file__).resolve().parents[2]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "specs").symlink_to(root / "specs")
    return tmp_path


@pytest.mark.parametrize(
    ("spec", "dataset", "extra", "primary"),
    [
        ("fraud", "fraud", ["--rows", "6000"], "pr_auc"),
        ("wine", "wine", [], "f1"),
        ("diabetes", "diabetes", ["--set", "model.params.max_epochs=100"], "rmse"),
    ],
)
def test_run_binary_multiclass_and_regression_specs(demo_data: Path, spec, dataset, extra, primary) -> None:
    rows = extra if extra[:1] == ["--rows"] else []
    generated = _invoke("generate-data", "--dataset", dataset, "--out", f"data/demo/{spec}.csv", *rows)
    assert generated.exit_code == 0, generated.output
    result = _invoke("run", f"specs/{spec}.yaml", "--device", "cpu", *[a for a in extra if a not in rows])
    assert result.exit_code == 0, result.output
    assert f"{primary} (primary)" in result.output
    gain = float(result.output.split("primary gain over baseline ")[1].split()[0])
    assert gain > 0, "the model must beat the trivial baseline"
    assert "check invariance_irrelevant_column: pass" in result.output
    assert len(list(demo_data.rglob(f"runs/{spec}/*/model/manifest.json"))) == 1


def test_corrupted_batch_stops_before_training(demo_data: Path) -> None:
    _invoke(
        "generate-data",
        "--out",
        "data/demo/fraud.csv",
        "--rows",
        "3000",
        "--corrupt",
        "nulls",
        "--corrupt",
        "renamed_column",
    )
    result = _invoke("run", "specs/fraud.yaml")
    assert result.exit_code == 3
    assert "expect_column_values_to_not_be_null" in result.output and "amount" in result.output
    assert "account_age_days" in result.output
    assert "✓ train" not in result.output
    assert not list(demo_data.rglob("manifest.json"))
    assert list(demo_data.rglob("quarantine/fraud/*/snapshot.parquet"))


def test_unknown_hyper_parameter_is_named(demo_data: Path) -> None:
    _invoke("generate-data", "--dataset", "wine", "--out", "data/demo/wine.csv")
    result = _invoke("run", "specs/wine.yaml", "--set", "model.params.max_epochs=3")
    assert result.exit_code == 2
    assert "['max_epochs'] not accepted by model family 'logistic_regression'" in result.output


def test_bad_spec_is_a_clear_error(demo_data: Path) -> None:
    bad = demo_data / "bad.yaml"
    bad.write_text("name: x\ntask: clustering\n")
    result = _invoke("check-spec", str(bad))
    assert result.exit_code == 2
    assert "field 'task'" in result.output and "field 'source'" in result.output
