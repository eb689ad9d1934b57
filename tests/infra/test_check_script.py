"""infra/check.sh: every static check of the deployment code passes (fmt, validate, checkov, linters)."""

from __future__ import annotations

import subprocess

import pytest

from tests.infra.conftest import INFRA

pytestmark = pytest.mark.integration


def test_static_checks_pass(terraform: str) -> None:
    # The first run installs the check tools into infra/.venv-checkov; later runs take about 25 s.
    result = subprocess.run([str(INFRA / "check.sh")], capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, f"infra/check.sh failed:\n{result.stdout[-8000:]}\n{result.stderr[-4000:]}"
    assert "all infra checks passed" in result.stdout
