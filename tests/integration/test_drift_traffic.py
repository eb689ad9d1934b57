"""`shadowloop drift send-traffic` against a real `bentoml serve`: the traffic lands in the prediction log and
reads back as a drifted window (or not)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.demo_data import generate_fraud
from pipelines.drift import detect_drift
from pipelines.profile import profile_frame
from shadowloop.settings import Settings, get_settings
from shadowloop.spec import load_spec
from tests.fixtures.bentoml_server import API_TOKEN, bentoml_serve, write_spec

pytestmark = pytest.mark.integration


def test_drifted_demo_traffic_reads_back_as_drift_and_undrifted_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy as sa
    import typer

    from shadowloop.cli_drift import drift_app
    from shadowloop.prediction_window import read_window

    log_url = f"sqlite:///{tmp_path / 'predictions.db'}"
    spec = load_spec(write_spec(tmp_path))
    args = {"spec": tmp_path / "fraud-serving.yaml", "noop_model": True}
    app = typer.Typer()
    app.add_typer(drift_app, name="drift")
    monkeypatch.setenv("SHADOWLOOP_API_TOKEN", API_TOKEN)
    get_settings.cache_clear()
    reference = profile_frame(generate_fraud(rows=3000, seed=1), spec.features.numeric, spec.features.categorical)
    settings = Settings(prediction_log_url=log_url)

    with bentoml_serve(tmp_path / "home", args, prediction_log_url=log_url) as server:
        statuses = {}
        for flag in ("--undrifted", "--drifted"):
            result = CliRunner().invoke(app, ["drift", "send-traffic", flag, "--rows", "300", "--url", server.url])
            assert result.exit_code == 0, result.output
            time.sleep(1.5)  # the log writes in batches, at most flush_s (1 s) late
            engine = sa.create_engine(log_url)
            with engine.connect() as connection:
                (version,) = connection.execute(sa.text("SELECT DISTINCT model_version FROM predictions")).scalars()
            engine.dispose()
            window = read_window(spec.name, version, settings)
            frame = window.frame.tail(300) if flag == "--undrifted" else window.frame.head(300)
            statuses[flag] = detect_drift(reference, frame, 0.2, 200).status
    assert statuses == {"--undrifted": "no_drift", "--drifted": "drift"}
