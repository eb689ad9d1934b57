"""`shadowloop stack up|down|status|demo`: the local stack (MLflow, Airflow, the endpoint) on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

stack_app = typer.Typer(help="Start, stop and demo the local stack.", no_args_is_help=True)
console = Console(soft_wrap=True)
DEMO_SPEC = Path("specs/fraud.yaml")


def _settings():  # noqa: ANN202 - Settings, imported lazily
    from shadowloop.dev_secrets import ensure_dotenv
    from shadowloop.settings import get_settings

    ensure_dotenv()
    get_settings.cache_clear()
    return get_settings()


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(1)


@stack_app.command()
def up() -> None:
    """Start MLflow (5000) and Airflow (8080) on 127.0.0.1; each already running is left as it is."""
    from model_registry.server import ServerError, start_server
    from shadowloop.airflow_server import airflow_daemon, migrate
    from shadowloop.daemon import DaemonError

    settings = _settings()
    try:
        status = start_server(settings)
        console.print(f"[green]✓[/green] MLflow   {status.url}")
        with console.status("Airflow: migrating the metadata database"):
            migrate(settings)
        with console.status("Airflow: starting (about 20 s)"):
            airflow_daemon(settings).start(timeout=240)
        console.print(f"[green]✓[/green] Airflow  http://127.0.0.1:{settings.airflow_port}")
    except (ServerError, DaemonError, RuntimeError) as error:
        raise _fail(str(error)) from None


@stack_app.command()
def down() -> None:
    """Stop every process `up` and `demo` started."""
    from model_registry.server import stop_server
    from shadowloop.airflow_server import airflow_daemon
    from shadowloop.cli_serving import stop as stop_endpoint

    settings = _settings()
    stop_endpoint()
    console.print(f"Airflow: {'stopped' if airflow_daemon(settings).stop() else 'not running'}")
    console.print(f"MLflow: {'stopped' if stop_server(settings) else 'not running'}")


@stack_app.command()
def demo(
    rows: Annotated[int, typer.Option(help="Rows of synthetic fraud data to train on.")] = 20_000,
) -> None:
    """Run the whole loop: stack up, train the fraud model through Airflow, serve the champion, call it."""
    from pipelines.demo_data import generate_fraud
    from shadowloop.airflow_server import AirflowApi
    from shadowloop.cli_serving import start as start_endpoint
    from shadowloop.spec import load_spec

    up()
    settings = _settings()
    spec = load_spec(DEMO_SPEC)
    data = settings.data_root / (spec.source.uri or "data/demo/fraud.csv")
    if not data.exists():
        data.parent.mkdir(parents=True, exist_ok=True)
        generate_fraud(rows=rows).to_csv(data, index=False)
        console.print(f"[green]✓[/green] demo data {data} ({rows} rows)")
    api = AirflowApi(settings)
    dag_id = f"train_{spec.name}"
    with console.status(f"Airflow: waiting for {dag_id} to be parsed"):
        api.wait_for_dag(dag_id)
    run_id = api.trigger(dag_id)
    with console.status(f"Airflow: {dag_id} run {run_id} (ingest → validate → features → train → evaluate → register)"):
        state = api.wait(dag_id, run_id)
    if state != "success":
        states = api.task_states(dag_id, run_id)
        raise _fail(f"{dag_id} run {run_id} ended {state}: {states}; read the failed task's log in the Airflow UI")
    console.print(f"[green]✓[/green] {dag_id} run {run_id}: success, model registered")
    start_endpoint(spec=DEMO_SPEC, bundle=None, version="", port=None, wait=180.0)
    _print_urls(settings)
    _call_endpoint(settings, spec.name)


def _print_urls(settings) -> None:  # noqa: ANN001
    from shadowloop.dev_secrets import ensure_dotenv

    secrets = ensure_dotenv()
    console.print("\n[bold]The three UIs[/bold] (secrets are in .env)")
    password = secrets["SHADOWLOOP_AIRFLOW_ADMIN_PASSWORD"]
    console.print(f"  Airflow   http://127.0.0.1:{settings.airflow_port}   login admin / {password}")
    console.print(f"  MLflow    {settings.mlflow_tracking_uri}   (no login in the dev profile)")
    console.print(
        f"  Endpoint  http://{settings.serving_host}:{settings.serving_port}/docs   "
        f"Authorization: Bearer {secrets['SHADOWLOOP_API_TOKEN']}"
    )


def _call_endpoint(settings, project: str) -> None:  # noqa: ANN001
    import httpx

    from pipelines.demo_data import generate_fraud

    record = generate_fraud(rows=1, seed=99).drop(columns=["is_fraud", "transaction_id"]).iloc[0].to_dict()
    response = httpx.post(
        f"http://{settings.serving_host}:{settings.serving_port}/predict",
        json={"records": [record]},
        headers={"Authorization": f"Bearer {settings.api_token.get_secret_value()}"},
        timeout=30,
    )
    console.print(f"\n[bold]A prediction from the {project} champion[/bold] (POST /predict → {response.status_code})")
    console.print_json(response.text)
