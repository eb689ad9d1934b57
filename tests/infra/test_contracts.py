"""Contracts between the deployment code and the application: names, placeholders, documentation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.infra.conftest import INFRA

pytestmark = pytest.mark.unit

TERRAFORM = INFRA / "terraform"
# The production profile's settings (SHADOWLOOP_<NAME>), as the Terraform roots must output them.
PRODUCTION_SETTINGS = {
    "profile",
    "lake_uri",
    "aws_region",
    "s3_endpoint_url",
    "mlflow_tracking_uri",
    "mlflow_backend_store_uri",
    "mlflow_artifacts_destination",
    "airflow_database_url",
    "redis_url",
    "prediction_log_url",
    "api_token",
    "admin_token",
    "airflow_admin_password",
}


def _blocks(kind: str, text: str) -> dict[str, str]:
    """Top-level `kind "name" { ... }` blocks of an HCL file, by name (terraform fmt puts `}` at column 0)."""
    return dict(re.findall(rf'^{kind} "([\w-]+)" \{{\n(.*?)^\}}', text, flags=re.S | re.M))


def _settings_fields() -> set[str]:
    from shadowloop.settings import Settings

    return set(Settings.model_fields)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_root_outputs_are_exactly_the_production_settings(env: str) -> None:
    outputs = _blocks("output", "".join(p.read_text() for p in (TERRAFORM / "envs" / env).glob("*.tf")))
    assert set(outputs) == PRODUCTION_SETTINGS
    assert PRODUCTION_SETTINGS <= _settings_fields()
    for name, body in outputs.items():
        assert f"SHADOWLOOP_{name.upper()}" in body, f"output {name} must name its setting"


def test_every_variable_and_output_is_documented() -> None:
    missing = []
    for path in sorted(TERRAFORM.rglob("*.tf")):
        if ".terraform" in path.parts:
            continue
        text = path.read_text()
        for kind in ("variable", "output"):
            for name, body in _blocks(kind, text).items():
                if not re.search(r'^  description\s*=\s*"\S', body, flags=re.M):
                    missing.append(f"{path.relative_to(INFRA)}: {kind} {name}")
    assert not missing, "undocumented: " + ", ".join(missing)


def test_remote_state_is_encrypted_and_locked() -> None:
    for env in ("dev", "prod"):
        versions = (TERRAFORM / "envs" / env / "versions.tf").read_text()
        backend = re.search(r'backend "s3" \{(.*?)\n  \}', versions, flags=re.S)
        assert backend, f"{env}: no S3 backend"
        assert re.search(r"encrypt\s*=\s*true", backend.group(1))
        assert re.search(r"use_lockfile\s*=\s*true", backend.group(1))


def test_every_checkov_skip_gives_a_reason() -> None:
    skips = []
    for path in sorted([*TERRAFORM.rglob("*.tf"), *(INFRA / "docker").glob("*Dockerfile")]):
        skips += [(path, m) for m in re.findall(r"checkov:skip=([^\n]*)", path.read_text())]
    for path in sorted((INFRA / "k8s").rglob("*.yaml")):
        skips += [(path, m) for m in re.findall(r"checkov\.io/skip\d+: ([^\n]*)", path.read_text())]
    assert skips
    for path, skip in skips:
        assert re.fullmatch(r"CKV2?_[A-Z0-9]+_\d+[:=].{20,}", skip), f"{path.name}: skip without a reason: {skip}"


def _yaml_documents(root: Path) -> list[tuple[Path, dict]]:
    docs = []
    for path in sorted(root.rglob("*.yaml")):
        docs += [(path, d) for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def _environment_names() -> set[str]:
    """Every environment variable name the manifests and chart values hand to a container."""
    names: set[str] = set()
    for _, doc in _yaml_documents(INFRA / "k8s"):
        if doc.get("kind") == "ConfigMap" and doc["metadata"]["name"] != "db-init":
            names |= set(doc["data"])
        if doc.get("kind") == "ExternalSecret":
            names |= {d["secretKey"] for d in doc["spec"].get("data", [])}
        spec = doc.get("spec", {})
        containers = spec.get("containers", []) + spec.get("template", {}).get("spec", {}).get("containers", [])
        for container in containers:
            names |= {e["name"] for e in container.get("env", [])}
    values = yaml.safe_load((INFRA / "helm" / "airflow" / "values.yaml").read_text())
    names |= {e["name"] for e in values["env"]}
    return names


def test_containers_get_only_known_settings() -> None:
    fields = _settings_fields()
    shadowloop = {n for n in _environment_names() if n.startswith("SHADOWLOOP_")}
    unknown = {n for n in shadowloop if n.removeprefix("SHADOWLOOP_").lower() not in fields}
    assert not unknown, f"not settings fields: {sorted(unknown)}"
    # The endpoint gets every secret it needs from External Secrets.
    assert {"SHADOWLOOP_API_TOKEN", "SHADOWLOOP_ADMIN_TOKEN", "SHADOWLOOP_REDIS_URL"} <= shadowloop


def test_manifest_placeholders_are_all_rendered() -> None:
    render = (INFRA / "scripts" / "render.sh").read_text()
    known = set(re.findall(r"\$\{(\w+)\}", re.search(r"PLACEHOLDERS='([^']*)'", render).group(1)))
    used: set[str] = set()
    for root in (INFRA / "k8s", INFRA / "helm"):
        for path in root.rglob("*.yaml"):
            text = path.read_text()
            if path.name == "configmap.yaml" and "init.sh" in text:
                continue  # shell code, not placeholders
            used |= set(re.findall(r"\$\{(\w+)\}", text))
    assert used <= known, f"placeholders render.sh does not fill: {sorted(used - known)}"


def test_bentofile_builds_the_champion_service() -> None:
    from bentoml._internal.bento.build_config import BentoBuildConfig

    with (INFRA / "docker" / "bentofile.yaml").open() as f:
        config = BentoBuildConfig.from_yaml(f)
    assert config.service == "serving.service:ChampionService"
    assert config.python.requirements_txt == "./requirements.lock"
    assert (INFRA.parent / config.docker.setup_script).is_file()


def test_endpoint_image_serves_the_champion_service() -> None:
    dockerfile = (INFRA / "docker" / "endpoint.Dockerfile").read_text()
    assert (
        'CMD ["bentoml", "serve", "serving.service:ChampionService", "--host", "0.0.0.0", "--port", "3000"]'
        in dockerfile
    )
    deployment = yaml.safe_load((INFRA / "k8s" / "endpoint" / "deployment.yaml").read_text())
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["ports"][0]["containerPort"] == 3000


def test_gpu_training_pod_lands_on_the_gpu_node_group() -> None:
    pod = yaml.safe_load((INFRA / "k8s" / "trainer" / "pod-template.yaml").read_text())
    nodes = (TERRAFORM / "modules" / "eks" / "nodes.tf").read_text()
    assert pod["spec"]["nodeSelector"] == {"shadowloop.io/pool": "gpu-training"}
    assert '"shadowloop.io/pool" = "gpu-training"' in nodes
    (toleration,) = pod["spec"]["tolerations"]
    assert (toleration["key"], toleration["effect"]) == ("nvidia.com/gpu", "NoSchedule")
    assert pod["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1
