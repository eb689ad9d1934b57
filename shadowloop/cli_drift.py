"""`shadowloop drift send-traffic|check|metrics`: feed the endpoint demo traffic, check drift now, serve metrics."""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

drift_app = typer.Typer(help="Input drift: demo traffic, checks, pipeline metrics.", no_args_is_help=True)
console = Console(soft_wrap=True)


def _spec(project: str):  # noqa: ANN202 - ProjectSpec, imported lazily
    from shadowloop.settings import get_settings
    from shadowloop.spec import SpecError, load_spec

    path = Path(get_settings().specs_dir) / f"{project}.yaml"
    try:
        return load_spec(path)
    except SpecError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None


@drift_app.command("send-traffic")
def send_traffic(
    drifted: Annotated[
        bool, typer.Option("--drifted/--undrifted", help="Shifted amounts, night hours, a new merchant category.")
    ] = True,
    project: Annotated[str, typer.Option(help="Project whose endpoint is called (fraud-like features).")] = "fraud",
    rows: Annotated[int, typer.Option(min=1, help="Records to send.")] = 1000,
    batch: Annotated[int, typer.Option(min=1, help="Records per request.")] = 50,
    drift: Annotated[float, typer.Option(min=0, max=1, help="Strength of the drift with --drifted.")] = 0.8,
    url: Annotated[str | None, typer.Option(help="Endpoint base URL; default from the settings.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the generated records.")] = 101,
) -> None:
    """Send demo card transactions to the running endpoint (bearer token from the settings)."""
    import httpx

    from pipelines.demo_data import generate_fraud
    from shadowloop.settings import get_settings

    settings = get_settings()
    spec = _spec(project)
    frame = generate_fraud(rows=rows, seed=seed, drift=drift if drifted else 0.0)
    missing = [c for c in spec.features.all if c not in frame.columns]
    if missing:
        console.print(f"[red]{project}: the demo generator has no columns {missing}; it makes fraud-like traffic[/red]")
        raise typer.Exit(2)
    records = frame[spec.features.all].to_dict("records")
    base = url or f"http://{settings.serving_host}:{settings.serving_port}"
    headers = {"Authorization": f"Bearer {settings.api_token.get_secret_value()}"}
    statuses: Counter[int] = Counter()
    versions: Counter[str] = Counter()
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for start in range(0, len(records), batch):
            try:
                response = client.post("/predict", json={"records": records[start : start + batch]})
            except httpx.HTTPError as error:
                console.print(f"[red]{base} does not answer ({error}); start it with `shadowloop serve start`[/red]")
                raise typer.Exit(1) from None
            statuses[response.status_code] += 1
            versions[response.headers.get("X-Model-Version", "-")] += 1
    kind = f"drifted ({drift})" if drifted else "undrifted"
    console.print(f"sent {len(records)} {kind} records in {sum(statuses.values())} requests to {base}")
    console.print(f"  status codes: {dict(statuses)}; answering versions: {dict(versions)}")
    console.print(f"next: trigger `drift_{project}` in Airflow (or `shadowloop drift check {project} --airflow`)")
    if statuses.keys() - {200}:
        raise typer.Exit(1)


@drift_app.command()
def check(
    project: Annotated[str, typer.Argument(help="Project name (a spec in the specs folder).")],
    airflow: Annotated[
        bool,
        typer.Option(
            "--airflow/--here",
            help="Trigger drift_<project> in the running Airflow (drift then starts training) or check in-process "
            "(report to MLflow and metrics only).",
        ),
    ] = False,
) -> None:
    """Check drift now: champion's reference profile vs the recent prediction-log window."""
    from shadowloop.settings import get_settings

    settings = get_settings()
    spec = _spec(project)
    if airflow:
        from shadowloop.airflow_server import AirflowApi

        api = AirflowApi(settings)
        dag_id = f"drift_{project}"
        run_id = api.trigger(dag_id)
        state = api.wait(dag_id, run_id, timeout=600)
        console.print(f"{dag_id} run {run_id}: {state}; tasks {api.task_states(dag_id, run_id)}")
        raise typer.Exit(0 if state == "success" else 1)

    from shadowloop.monitoring import check_drift

    try:
        outcome = check_drift(spec, key=f"cli/{uuid.uuid4().hex}", settings=settings, tags={"trigger": "cli"})
    except LookupError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    report = outcome.report
    table = Table("feature", "PSI", "test", "p-value", "moved", title=f"{project}: {report.status}")
    for feature in sorted(report.features, key=lambda f: -f.psi):
        moved = "[red]yes[/red]" if feature.drifted else "no"
        table.add_row(feature.name, f"{feature.psi:.4f}", feature.test, f"{feature.p_value:.3g}", moved)
    console.print(table)
    console.print(
        f"window {report.window_rows} rows (min {report.min_window_rows}) of version "
        f"{report.context.get('model_version')}; report: MLflow run {outcome.mlflow_run_id} "
        f"in experiment {project}-monitoring"
    )


@drift_app.command()
def metrics() -> None:
    """Serve the pipelines' Prometheus textfiles on 127.0.0.1:<metrics_port>/metrics (Ctrl-C stops)."""
    from shadowloop.pipeline_metrics import metrics_dir, serve_textfiles
    from shadowloop.settings import get_settings

    settings = get_settings()
    console.print(f"serving {metrics_dir(settings)} on http://127.0.0.1:{settings.metrics_port}/metrics")
    serve_textfiles(settings)
