"""`shadowloop serve start|stop|status|predict`: run the BentoML endpoint in the background and call it.

The server runs `bentoml serve serving.service:ChampionService` bound to the settings' host and port, with its
pid file and log under `<home>/serving/`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

serve_app = typer.Typer(help="Run and call the prediction endpoint.", no_args_is_help=True)
console = Console(soft_wrap=True)


def _folder() -> Path:
    from shadowloop.settings import get_settings

    folder = get_settings().home.resolve() / "serving"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _pid() -> int | None:
    path = _folder() / "serving.pid"
    try:
        pid = int(path.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    return pid


def _base_url(port: int | None = None) -> str:
    from shadowloop.settings import get_settings

    settings = get_settings()
    return f"http://{settings.serving_host}:{port or settings.serving_port}"


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _ready(url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


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
    wait: Annotated[float, typer.Option(help="Seconds to wait for readiness (0: do not wait).")] = 120.0,
) -> None:
    """Start the endpoint in the background (127.0.0.1:3000 by default)."""
    import yaml

    from shadowloop.settings import get_settings
    from shadowloop.spec import load_spec

    settings = get_settings()
    port = port or settings.serving_port
    if (pid := _pid()) is not None:
        console.print(f"already running (pid {pid}) at {_base_url(port)}")
        return
    if _port_in_use(settings.serving_host, port):
        console.print(
            f"[red]port {port} on {settings.serving_host} is already in use by another process[/red]: "
            "stop it, or pass --port / set SHADOWLOOP_SERVING_PORT"
        )
        raise typer.Exit(1)
    project = load_spec(spec).name
    args: dict[str, Any] = {"spec": str(spec.resolve()), "source": "mlflow"}
    if bundle is not None:
        args.update(source="local", pointer=str(_local_pointer(bundle, version, project)))
    folder = _folder()
    (folder / "args.yaml").write_text(yaml.safe_dump(args))
    command = [
        str(Path(sys.executable).parent / "bentoml"),
        "serve",
        "serving.service:ChampionService",
        "--host",
        settings.serving_host,
        "--port",
        str(port),
        "--arg-file",
        str(folder / "args.yaml"),
    ]
    with (folder / "serving.log").open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    (folder / "serving.pid").write_text(str(process.pid))
    url = _base_url(port)
    deadline = time.monotonic() + wait
    while wait and time.monotonic() < deadline:
        if process.poll() is not None:
            tail = (folder / "serving.log").read_text()[-3000:]
            console.print(f"[red]the endpoint exited with code {process.returncode}[/red]\n{tail}")
            raise typer.Exit(1)
        if _ready(url):
            console.print(f"[green]ready[/green] at {url} (pid {process.pid}, log {folder / 'serving.log'})")
            return
        time.sleep(0.5)
    console.print(f"started (pid {process.pid}); not ready yet, see {folder / 'serving.log'}")


@serve_app.command()
def stop() -> None:
    """Stop the endpoint started by `serve start`."""
    pid = _pid()
    if pid is None:
        console.print("not running")
        return
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _pid() is not None:
        time.sleep(0.2)
    if _pid() is not None:
        os.killpg(pid, signal.SIGKILL)
    (_folder() / "serving.pid").unlink(missing_ok=True)
    console.print(f"stopped (pid {pid})")


@serve_app.command()
def status(port: Annotated[int | None, typer.Option(help="Port (default: settings.serving_port).")] = None) -> None:
    """Whether the endpoint runs and is ready."""
    pid = _pid()
    url = _base_url(port)
    ready = _ready(url)
    console.print(f"pid: {pid or '-'}  url: {url}  ready: {'yes' if ready else 'no'}")
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
