"""A background server of the local stack: started in its own process session, tracked by a pid file,
healthy when its URL answers, stopped with its whole process tree."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


class DaemonError(RuntimeError):
    """A server of the stack could not start; the message names it and where its log is."""


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def answers(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return bool(200 <= response.status < 300)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@dataclass(frozen=True)
class Daemon:
    """One server: how to run it, where it answers, where its pid file and log live."""

    name: str
    command: list[str]
    health_url: str
    host: str
    port: int
    state_dir: Path
    env: dict[str, str] | None = None
    cwd: Path | None = None
    marker: str = field(default="")  # a word in its command line, so a recycled pid is not mistaken for it
    file_stem: str = ""  # name of its pid and log files; the name by default

    @property
    def pid_file(self) -> Path:
        return self.state_dir / f"{self.file_stem or self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / f"{self.file_stem or self.name}.log"

    def pid(self) -> int | None:
        """The live pid from the pid file, or None."""
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        cmdline = Path(f"/proc/{pid}/cmdline")
        if self.marker and cmdline.exists() and self.marker.encode() not in cmdline.read_bytes():
            return None
        return pid

    def healthy(self) -> bool:
        return answers(self.health_url)

    def start(self, timeout: float = 120.0) -> None:
        """Start unless already running, and wait until the health URL answers."""
        if self.pid() is not None:
            return
        if port_in_use(self.host, self.port):
            raise DaemonError(
                f"{self.name}: port {self.port} on {self.host} is already in use by another process; "
                f"stop it or choose another port in the settings"
            )
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                self.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,  # its own session: stop() ends it and every child together
            )
        self.pid_file.write_text(str(process.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise DaemonError(f"{self.name} exited with code {process.returncode}; see {self.log_file}")
            if self.healthy():
                return
            time.sleep(0.5)
        self.stop()
        raise DaemonError(f"{self.name} did not answer {self.health_url} within {timeout:.0f}s; see {self.log_file}")

    def stop(self, timeout: float = 20.0) -> bool:
        """SIGTERM to the whole process session, SIGKILL after `timeout`; False if it was not running."""
        pid = self.pid()
        self.pid_file.unlink(missing_ok=True)
        if pid is None:
            return False
        try:
            os.killpg(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and _group_alive(pid):
                time.sleep(0.3)
            if _group_alive(pid):
                os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return True


def _group_alive(pgid: int) -> bool:
    try:
        os.waitpid(pgid, os.WNOHANG)  # reap our own child, or it lingers as a zombie
    except ChildProcessError:
        pass
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
