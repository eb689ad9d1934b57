"""Fixtures of the infrastructure tests: the terraform binary and a throwaway moto server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
PLUGIN_DIR = Path(os.environ.get("SHADOWLOOP_TF_PLUGIN_DIR", "/opt/tf-plugins"))


@pytest.fixture(scope="session")
def terraform() -> str:
    """Path of the terraform binary; the test is skipped where there is none."""
    path = shutil.which("terraform")
    if path is None:
        pytest.skip("terraform is not on PATH: install Terraform >= 1.11 to run the infrastructure tests")
    return path


def terraform_env(workdir: Path) -> dict[str, str]:
    """An environment that keeps terraform and the AWS SDK away from the user's real configuration."""
    cli_config = workdir / "terraformrc"
    cli_config.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
    env.update(
        TF_CLI_CONFIG_FILE=str(cli_config),
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto server (S3, IAM, KMS, STS in memory) on a free port, stopped when the module's tests end."""
    tmp_path = tmp_path_factory.mktemp("moto")
    port = _free_port()
    log = (tmp_path / "moto.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"moto server did not start: {(tmp_path / 'moto.log').read_text()}") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
