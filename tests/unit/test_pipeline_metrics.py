"""The pipelines' Prometheus textfile, its exporter's collector, and the dashboard / scrape config that use them."""

import json
import re
from pathlib import Path

import pytest
import yaml

from pipelines.demo_data import generate_fraud
from pipelines.drift import detect_drift
from pipelines.profile import profile_frame
from shadowloop.pipeline_metrics import TextfileCollector, write_drift_metrics
from shadowloop.settings import Settings

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "infra" / "monitoring"
SERVING = {f"shadowloop_serving_{n}" for n in ("request_seconds", "responses_total", "cache_total", "fallback_total")}
SERVING |= {"shadowloop_serving_model_info", "shadowloop_serving_shadow_records_total"}


@pytest.fixture
def textfile(tmp_path: Path) -> Path:
    reference = profile_frame(generate_fraud(rows=2000, seed=1), ["amount", "hour"], ["merchant_category"])
    report = detect_drift(reference, generate_fraud(rows=300, seed=2, drift=0.8), 0.2, 200, {"project": "fraud"})
    settings = Settings(home=tmp_path, metrics_dir=tmp_path / "metrics")
    return write_drift_metrics(report, settings, checked_at=1000.0, served_version="3", last_training_at=900.0)


def test_textfile_holds_drift_per_feature_training_time_and_served_version(textfile: Path) -> None:
    text = textfile.read_text()
    assert textfile.name == "drift_fraud.prom"
    assert re.search(r'shadowloop_drift_psi\{feature="amount",project="fraud"\} \d', text)
    assert 'shadowloop_drift_status{project="fraud",status="drift"} 1.0' in text
    assert 'shadowloop_drift_status{project="fraud",status="no_drift"} 0.0' in text
    assert 'shadowloop_training_last_success_timestamp_seconds{project="fraud"} 900.0' in text
    assert 'shadowloop_registry_served_version{alias="champion",project="fraud"} 3.0' in text


def test_exporter_collects_every_textfile_and_skips_broken_ones(textfile: Path) -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    (textfile.parent / "broken.prom").write_text("this is { not prometheus\n")
    registry = CollectorRegistry()
    registry.register(TextfileCollector(textfile.parent))
    scraped = generate_latest(registry).decode()
    assert 'shadowloop_drift_window_rows{project="fraud"} 300.0' in scraped


def test_dashboard_queries_only_metrics_that_exist(textfile: Path) -> None:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    exported = set(re.findall(r"^(shadowloop_\w+?)(?:\{| )", textfile.read_text(), re.M))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {re.sub(r"_bucket$", "", m) for e in exprs for m in re.findall(r"shadowloop_\w+", e)}
    assert used <= exported | SERVING, used - exported - SERVING
    assert {"shadowloop_drift_psi", "shadowloop_training_last_success_timestamp_seconds"} <= used


def test_scrape_config_targets_loopback_endpoint_and_pipelines() -> None:
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    targets = {j["job_name"]: j["static_configs"][0]["targets"] for j in config["scrape_configs"]}
    assert targets == {"shadowloop-endpoint": ["127.0.0.1:3000"], "shadowloop-pipelines": ["127.0.0.1:9108"]}
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"][0]["rules"]
    assert {r["alert"] for r in rules} >= {"ShadowloopInputDrift", "ShadowloopTrainingStale"}
