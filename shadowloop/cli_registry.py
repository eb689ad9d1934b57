"""`shadowloop mlflow ...`: the local tracking server, and audited promotion, rollback and history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from mlflow import MlflowClient

app = typer.Typer(
    help="MLflow: tracking server, aliases (champion/challenger/previous), audit trail.", no_args_is_help=True
)
console = Console(soft_wrap=True)

Project = Annotated[str, typer.Argument(help="Project (spec) name, which is the registered model's name.")]
Reason = Annotated[str, typer.Option("--reason", "-r", help="Why; written to the audit trail.")]
Actor = Annotated[str | None, typer.Option(help="Who; defaults to the local user name.")]


def _fail(message: str, code: int = 1) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(code)


@app.command()
def start() -> None:
    """Start the local tracking server (SQLite + local artifacts by default; settings pick PostgreSQL/S3)."""
    from model_registry.server import ServerError, start_server

    try:
        status = start_server()
    except ServerError as error:
        raise _fail(str(error)) from None
    console.print(f"[green]mlflow server up[/green] at {status.url} (pid {status.pid}, log {status.log_path})")


@app.command()
def stop() -> None:
    """Stop the local tracking server started by `shadowloop mlflow start`."""
    from model_registry.server import stop_server

    console.print("stopped" if stop_server() else "no server of ours was running")


@app.command()
def status() -> None:
    """Whether the tracking server runs and answers."""
    from model_registry.server import server_status

    state = server_status()
    health = "[green]healthy[/green]" if state.healthy else "[red]not answering[/red]"
    console.print(f"{state.url}: {health}; pid {state.pid or 'none (not started by us)'}; log {state.log_path}")
    if not state.healthy:
        raise typer.Exit(1)


def _client() -> MlflowClient:
    from model_registry.connection import TrackingServerUnavailable, tracking_client

    try:
        return tracking_client()
    except TrackingServerUnavailable as error:
        raise _fail(str(error)) from None


@app.command()
def promote(
    project: Project,
    version: Annotated[str, typer.Argument(help="Model version to make champion.")],
    reason: Reason,
    actor: Actor = None,
) -> None:
    """Make a version the champion; the old champion becomes `previous`. Audited."""
    from model_registry import aliases
    from model_registry.audit import default_actor
    from model_registry.connection import model_name

    try:
        event = aliases.promote(_client(), model_name(project), version, actor or default_actor(), reason)
    except aliases.AliasError as error:
        raise _fail(str(error)) from None
    console.print(f"{project}: champion {event.from_version or '-'} -> {event.to_version} ({event.actor})")


@app.command()
def rollback(
    project: Project,
    reason: Reason,
    to: Annotated[str | None, typer.Option(help="Version to restore; defaults to the `previous` alias.")] = None,
    actor: Actor = None,
) -> None:
    """Give the champion alias back to the previous version. Audited."""
    from model_registry import aliases
    from model_registry.audit import default_actor
    from model_registry.connection import model_name

    try:
        event = aliases.rollback(_client(), model_name(project), actor or default_actor(), reason, to_version=to)
    except aliases.AliasError as error:
        raise _fail(str(error)) from None
    console.print(f"{project}: rolled back champion {event.from_version} -> {event.to_version} ({event.actor})")


@app.command()
def history(project: Project) -> None:
    """The audit trail of alias moves, oldest first, and where each alias points now."""
    from mlflow.exceptions import MlflowException

    from model_registry.audit import history as read_history
    from model_registry.connection import model_name

    client = _client()
    name = model_name(project)
    try:
        events = read_history(client, name)
        current = client.get_registered_model(name).aliases
    except MlflowException as error:
        raise _fail(f"{name}: {error.message}") from None
    table = Table(title=f"{name}: alias history")
    for column in ("when (UTC)", "action", "from", "to", "who", "why"):
        table.add_column(column)
    for e in events:
        table.add_row(e.at, e.action, e.from_version or "-", e.to_version or "-", e.actor, e.reason)
    console.print(table)
    console.print("now: " + (", ".join(f"{k} -> v{v}" for k, v in sorted(current.items())) or "no aliases"))
