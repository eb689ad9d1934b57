"""The `shadowloop` command line: run the loop's steps for a spec, and make demo data."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Shadowloop: the closed MLOps loop.", no_args_is_help=True, pretty_exceptions_enable=False)
console = Console(soft_wrap=True)


class Dataset(StrEnum):
    fraud = "fraud"
    diabetes = "diabetes"
    wine = "wine"
    breast_cancer = "breast_cancer"


class Corruption(StrEnum):
    nulls = "nulls"
    out_of_range = "out_of_range"
    missing_column = "missing_column"
    renamed_column = "renamed_column"
    bad_category = "bad_category"


def _parse_overrides(pairs: list[str]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--set")
        overrides[key.strip()] = yaml.safe_load(value)
    return overrides


@app.command()
def run(
    spec_path: Annotated[Path, typer.Argument(help="Project spec YAML, e.g. specs/fraud.yaml.")],
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a spec field, e.g. --set model.params.max_iter=50.")
    ] = None,
    device: Annotated[str, typer.Option(help="auto (CUDA when present), cpu or cuda; torch models only.")] = "auto",
    register: Annotated[
        bool | None,
        typer.Option(
            "--register/--no-register",
            help="Track, gate and register the run in MLflow. Default: only when the tracking server answers.",
        ),
    ] = None,
) -> None:
    """Run ingest -> validate -> features -> train -> evaluate (-> register) for one project; print a summary."""
    from model_registry.connection import TrackingServerUnavailable
    from pipelines.train import UnknownParameterError
    from pipelines.types import DataValidationError
    from shadowloop.runner import run_and_register
    from shadowloop.settings import get_settings
    from shadowloop.spec import SpecError, load_spec

    try:
        spec = load_spec(spec_path)
        if set_:
            spec = spec.with_overrides(_parse_overrides(set_))
    except SpecError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None

    status = console.status("starting")

    def on_step(step: str, phase: str) -> None:
        if phase == "start":
            status.update(f"[bold]{spec.name}[/bold]: {step}")
        else:
            console.print(f"  [green]✓[/green] {step}")

    try:
        with status:
            summary, publication = run_and_register(
                spec, get_settings(), device=device, on_step=on_step, register=register
            )
    except DataValidationError as error:
        console.print(f"[red]✗ validate: bad data stopped the run before training[/red]\n{error}")
        console.print(f"report: {error.report.markdown_uri}")
        raise typer.Exit(3) from None
    except UnknownParameterError as error:
        console.print(f"[red]{spec_path}: {error}[/red]")
        raise typer.Exit(2) from None
    except TrackingServerUnavailable as error:
        console.print(f"[red]✗ register: {error}[/red]")
        raise typer.Exit(4) from None
    _print_summary(summary)
    if publication is None:
        console.print("not registered (no tracking server answered: `shadowloop mlflow start`, or pass --register)")
    else:
        console.print(
            f"registered {publication.name} v{publication.version} (run {publication.run_id[:12]}): "
            f"{publication.decision}" + "".join(f"\n  - {reason}" for reason in publication.reasons)
        )


def _print_summary(summary: Any) -> None:
    spec = summary.spec
    table = Table(title=f"{spec.name}: {spec.model.family} on snapshot {summary.snapshot.sha256[:12]}")
    table.add_column("metric")
    table.add_column("model", justify="right")
    table.add_column("baseline", justify="right")
    for metric, value in summary.evaluation.metrics.items():
        name = f"{metric} (primary)" if metric == spec.metrics.primary else metric
        table.add_row(name, f"{value:.4f}", f"{summary.evaluation.baseline_metrics[metric]:.4f}")
    console.print(table)
    for check, passed in summary.evaluation.checks.items():
        mark = "[green]pass[/green]" if passed else "[red]FAIL[/red]"
        console.print(f"  check {check}: {mark}  {summary.evaluation.check_details[check]}")
    console.print(
        f"rows {summary.snapshot.rows} (split {summary.split_sizes}), device {summary.train.device}, "
        f"train {summary.train.seconds:.1f}s; primary gain over baseline {summary.primary_gain:+.4f}"
    )
    console.print(f"model: {summary.model_dir} (manifest sha256 {summary.model_sha256[:12]})")


@app.command("generate-data")
def generate_data(
    out: Annotated[Path, typer.Option(help="CSV or Parquet file to write.")],
    dataset: Annotated[
        Dataset, typer.Option(help="fraud (synthetic) or a real set bundled with scikit-learn.")
    ] = Dataset.fraud,
    rows: Annotated[int, typer.Option(min=1, help="Rows of synthetic fraud data.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed of the fraud generator.")] = 7,
    drift: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="0 = training distribution; 1 = strongly drifted.")
    ] = 0.0,
    corrupt: Annotated[list[Corruption] | None, typer.Option(help="Inject a defect (repeatable).")] = None,
) -> None:
    """Write demo data: synthetic card fraud (with drift or corruption knobs) or a bundled real data set."""
    from pipelines.demo_data import generate_fraud, load_sklearn_dataset

    if dataset is Dataset.fraud:
        frame = generate_fraud(rows=rows, seed=seed, drift=drift, corruption=[c.value for c in corrupt or []])
    else:
        frame = load_sklearn_dataset(dataset.value)  # type: ignore[arg-type]
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        frame.to_csv(out, index=False)
    console.print(f"wrote {len(frame)} rows of {dataset.value} to {out}")


@app.command("check-spec")
def check_spec(paths: Annotated[list[Path], typer.Argument(help="Spec files to validate.")]) -> None:
    """Validate spec files and report every bad field."""
    from shadowloop.spec import SpecError, load_spec

    failed = False
    for path in paths:
        try:
            spec = load_spec(path)
            console.print(f"[green]ok[/green] {path}: {spec.name} ({spec.task}, {spec.model.family})")
        except SpecError as error:
            failed = True
            console.print(f"[red]{error}[/red]")
    if failed:
        raise typer.Exit(2)


def _mount_subcommands() -> None:
    from shadowloop.cli_drift import drift_app
    from shadowloop.cli_registry import app as mlflow_app
    from shadowloop.cli_serving import serve_app
    from shadowloop.cli_shadow import shadow_app
    from shadowloop.cli_stack import stack_app

    app.add_typer(mlflow_app, name="mlflow")
    app.add_typer(serve_app, name="serve")
    app.add_typer(stack_app, name="stack")
    app.add_typer(drift_app, name="drift")
    app.add_typer(shadow_app, name="shadow")


_mount_subcommands()

if __name__ == "__main__":
    app()
