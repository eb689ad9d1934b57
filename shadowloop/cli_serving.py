"""`shadowloop serve start|stop|status|predict`: run the BentoML endpoint in the background and call it.

The server runs `bentoml serve serving.service:ChampionService` bound to the settings' host and port, with its
pid file and log under `<home>/serving/`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from shadowloop.daemon import Daemon, DaemonError

serve_app = typer.Typer(help="Run and call the prediction endpoint.", no_args_is_help=True)
console = Console(soft_wrap=True)


def _folder() -> Path:
    from shadowloop.settings import get_settings

    folder = get_settings().home.resolve() / "serving"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _base_url(port: int | None = None) -> str:
    from shadowloop.settings import get_settings

    settings = get_settings()
    return f"http://{settings.serving_host}:{port or settings.serving_port}"


def _daemon(port: int | None = None, command: list[str] | None = None) -> Daemon:
    """The endpoint as a daemon of the stack (pid file and log under `<home>/serving/`)."""
    from shadowloop.settings import get_settings

    settings = get_settings()
    port = port or settings.serving_port
    return Daemon(
        name="endpoint",
        file_stem="serving",
        command=command or [],
        health_url=f"{_base_url(port)}/readyz",
        host=settings.serving_host,
        port=port,
        state_dir=_folder(),  # no marker: `bentoml serve` renames its process (circusd)
    )


def _local_pointer(bundle: Path, version: str, project: str) -> Path:
    """Point `champion` at a bundle folder, keeping the former champion as `previous` (the fallback)."""
    from pipelines.model_bundle import MANIFEST, file_sha256
    from serving.sources import write_pointer

    pointer = _folder() / f"{project}-aliases.json"
    entries: dict[str, Any] = json.loads(pointer.read_text()) if pointer.exists() else {}
    entry = {"version": version, "local_dir": str(bundle.resolve()), "manifest_sha256": file_sha256(bundle / MANIFEST)}
    if entries.get("champion") and entries["champion"] != entry:
        entries["previous"] = entries["champion"]
    entries["champion"] = entry
    write_pointer(pointer, entries)
    return pointer


@serve_app.command()
def start(
    spec: Annotated[Path, typer.Option(help="Project spec YAML of the model to serve.")] = Path("specs/fraud.yaml"),
    bundle: Annotated[
        Path | None, typer.Option(help="Serve this model bundle folder instead of the MLflow `champion` alias.")
    ] = None,
    version: Annotated[str, typer.Option(help="Version label of --bundle.")] = "local-1",
    port: Annotated[int | None, typer.Option(help="Port (default: settings.serving_port).")] = None,
    wait: Annotated[float, typer.Option(min=1, help="Seconds to wait for readiness.")] = 120.0,
) -> None:
    """Start the endpoint in the background (127.0.0.1:3000 by default)."""
    import yaml

    from shadowloop.settings import get_settings
    from shadowloop.spec import load_spec

    settings = get_settings()
    port = port or settings.serving_port
    project = load_spec(spec).name
    args: dict[str, Any] = {"spec": str(spec.resolve()), "source": "mlflow"}
    if bundle is not None:
        args.update(source="local", pointer=str(_local_pointer(bundle, version, project)))
    folder = _folder()
    (folder / "args.yaml").write_text(yaml.safe_dump(args))
    command = [
        str(Path(sys.executable).parent / "bentoml"), "serve", "serving.service:ChampionService",
        "--host", settings.serving_host, "--port", str(port), "--arg-file", str(folder / "args.yaml"),
    ]  # fmt: skip
    daemon = _daemon(port, command)
    if (pid := daemon.pid()) is not None:
        console.print(f"already running (pid {pid}) at {_base_url(port)}")
        return
    seen = daemon.log_file.stat().st_size if daemon.log_file.exists() else 0
    try:
        daemon.start(timeout=wait)
    except DaemonError as error:
        log = daemon.log_file.read_bytes()[seen:].decode(errors="replace") if daemon.log_file.exists() else ""
        console.print(f"[red]{error}[/red]\n{log[-3000:]}")  # only what this start wrote to the log
        raise typer.Exit(1) from None
    console.print(f"[green]ready[/green] at {_base_url(port)} (pid {daemon.pid()}, log {daemon.log_file})")


@serve_app.command()
def stop() -> None:
    """Stop the endpoint started by `serve start`."""
    console.print("stopped" if _daemon().stop() else "not running")


@serve_app.command()
def status(port: Annotated[int | None, typer.Option(help="Port (default: settings.serving_port).")] = None) -> None:
    """Whether the endpoint runs and is ready."""
    daemon = _daemon(port)
    ready = daemon.healthy()
    console.print(f"pid: {daemon.pid() or '-'}  url: {_base_url(port)}  ready: {'yes' if ready else 'no'}")
    if not ready:
        raise typer.Exit(1)


@serve_app.command()
def predict(
    records: Annotated[str | None, typer.Option(help="JSON list of records, e.g. '[{\"amount\": 12.5, ...}]'.")] = None,
    file: Annotated[Path | None, typer.Option(help="JSON file with a list of records.")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: settings.serving_port).")] = None,
) -> None:
    """Call the endpoint with records and print its answer."""
    import httpx

    from shadowloop.settings import get_settings

    if (records is None) == (file is None):
        raise typer.BadParameter("give exactly one of --records or --file")
    text = records if records is not None else file.read_text()  # type: ignore[union-attr]
    try:
        body = json.loads(text)
    except json.JSONDecodeError as error:
        raise typer.BadParameter(f"not JSON: {error}") from None
    if isinstance(body, dict) and "records" not in body:
        body = [body]
    if isinstance(body, list):
        body = {"records": body}
    token = get_settings().api_token.get_secret_value()
    try:
        response = httpx.post(
            f"{_base_url(port)}/predict", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
    except httpx.HTTPError as error:
        console.print(f"[red]cannot reach {_base_url(port)}: {error}[/red] (is `shadowloop serve start` running?)")
        raise typer.Exit(1) from None
    console.print_json(response.text)
    if response.status_code >= 400:
        raise typer.Exit(1)
