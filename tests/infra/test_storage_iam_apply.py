"""Apply the kms, storage and iam modules against a local moto server and check what AWS would hold."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import INFRA, PLUGIN_DIR, terraform_env

pytestmark = pytest.mark.integration

HARNESS = Path(__file__).parent / "terraform" / "storage_iam"


def _tf(terraform: str, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [terraform, *args, "-no-color"],
        cwd=workdir,
        env=terraform_env(workdir.parent),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode in (0, 2), f"terraform {args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def applied(terraform: str, moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The harness applied once into a temp dir (its own state and provider copy); returns its outputs."""
    tmp_path = tmp_path_factory.mktemp("tf")
    shutil.copytree(INFRA / "terraform" / "modules", tmp_path / "modules")
    workdir = tmp_path / "harness"
    shutil.copytree(HARNESS, workdir)
    _tf(terraform, workdir, "init", "-backend=false", f"-plugin-dir={PLUGIN_DIR}", "-input=false")
    _tf(terraform, workdir, "apply", "-auto-approve", "-input=false", f"-var=endpoint={moto_endpoint}")
    outputs = json.loads(_tf(terraform, workdir, "output", "-json").stdout)
    return {k: v["value"] for k, v in outputs.items()} | {"_endpoint": moto_endpoint, "_workdir": workdir}


def _client(service: str, endpoint: str) -> Any:
    import boto3

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_data_buckets_are_private_versioned_kms_encrypted_logged_and_expiring(applied: dict[str, Any]) -> None:
    s3 = _client("s3", applied["_endpoint"])
    for bucket in (applied["lake_bucket"], applied["artifacts_bucket"]):
        sse = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        assert sse["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
        assert sse["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == applied["kms_key_arn"]
        assert sse["BucketKeyEnabled"] is True

        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"

        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert block == {
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        }

        rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        by_id = {r["ID"]: r for r in rules}
        assert by_id["expire-old-versions"]["Status"] == "Enabled"
        assert by_id["expire-old-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90
        assert all(r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7 for r in rules)

        logging = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
        assert logging["TargetBucket"] == applied["access_log_bucket"]

        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        deny = [st for st in policy["Statement"] if st["Effect"] == "Deny"]
        assert deny and deny[0]["Condition"]["Bool"]["aws:SecureTransport"] == "false"

    # The lake ages into STANDARD_IA; model artifacts stay in STANDARD for fast reloads.
    lake_rules = s3.get_bucket_lifecycle_configuration(Bucket=applied["lake_bucket"])["Rules"]
    assert any(t["StorageClass"] == "STANDARD_IA" for r in lake_rules for t in r.get("Transitions", []))
    artifact_rules = s3.get_bucket_lifecycle_configuration(Bucket=applied["artifacts_bucket"])["Rules"]
    assert not any(r.get("Transitions") for r in artifact_rules)


def test_access_log_bucket_is_private_and_expires_logs(applied: dict[str, Any]) -> None:
    s3 = _client("s3", applied["_endpoint"])
    bucket = applied["access_log_bucket"]
    sse = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert sse["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"  # log delivery needs SSE-S3
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rules[0]["Expiration"]["Days"] == 365


def test_kms_key_rotates(applied: dict[str, Any]) -> None:
    kms = _client("kms", applied["_endpoint"])
    assert kms.get_key_rotation_status(KeyId=applied["kms_key_arn"])["KeyRotationEnabled"] is True


def _role_documents(iam: Any, role_arn: str) -> tuple[dict[str, Any], dict[str, Any]]:
    name = role_arn.rsplit("/", 1)[1]
    trust = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    policy = iam.get_role_policy(RoleName=name, PolicyName="access")["PolicyDocument"]
    if isinstance(trust, str):
        trust = json.loads(trust)
    if isinstance(policy, str):
        policy = json.loads(policy)
    return trust, policy


def _resources(policy: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for statement in policy["Statement"]:
        resource = statement["Resource"]
        found.update([resource] if isinstance(resource, str) else resource)
    return found


def _actions(policy: dict[str, Any]) -> set[str]:
    actions: set[str] = set()
    for statement in policy["Statement"]:
        found = statement["Action"]
        actions.update([found] if isinstance(found, str) else found)
    return actions


def test_each_component_role_is_trusted_only_by_its_service_accounts(applied: dict[str, Any]) -> None:
    iam = _client("iam", applied["_endpoint"])
    roles = applied["role_arns"]
    assert set(roles) == {"airflow", "trainer", "mlflow", "endpoint", "db_init"}
    trust, _ = _role_documents(iam, roles["endpoint"])
    (statement,) = trust["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    condition = statement["Condition"]["StringEquals"]
    assert condition["oidc.eks.us-east-1.amazonaws.com/id/TEST:sub"] == "system:serviceaccount:shadowloop:endpoint"
    assert condition["oidc.eks.us-east-1.amazonaws.com/id/TEST:aud"] == "sts.amazonaws.com"


def test_roles_get_least_privilege(applied: dict[str, Any]) -> None:
    iam = _client("iam", applied["_endpoint"])
    roles = applied["role_arns"]
    lake = f"arn:aws:s3:::{applied['lake_bucket']}"
    artifacts = f"arn:aws:s3:::{applied['artifacts_bucket']}"

    _, endpoint = _role_documents(iam, roles["endpoint"])
    assert not any(a.startswith("s3:") for a in _actions(endpoint))  # models come through the MLflow server

    _, trainer = _role_documents(iam, roles["trainer"])
    trainer_resources = _resources(trainer)
    assert f"{lake}/lake/*" in trainer_resources  # the run folder: split in, model bundle out
    assert not any(r.startswith(artifacts) for r in trainer_resources)  # models reach MLflow through its server

    _, mlflow = _role_documents(iam, roles["mlflow"])
    resources = _resources(mlflow)
    assert f"{artifacts}/*" in resources
    assert not any(r.startswith(lake) for r in resources)

    for name in roles:
        _, policy = _role_documents(iam, roles[name])
        assert "*" not in _resources(policy), f"{name}: {policy}"


def test_second_plan_shows_no_drift(terraform: str, applied: dict[str, Any]) -> None:
    workdir = applied["_workdir"]
    result = _tf(
        terraform, workdir, "plan", "-detailed-exitcode", "-input=false", f"-var=endpoint={applied['_endpoint']}"
    )
    assert result.returncode == 0, f"re-plan wants changes:\n{result.stdout}"


def test_training_pods_use_the_lake_but_no_secret(applied: dict[str, Any]) -> None:
    iam = _client("iam", applied["_endpoint"])
    _, trainer = _role_documents(iam, applied["role_arns"]["trainer"])
    assert not any(a.startswith("secretsmanager:") for a in _actions(trainer))
    assert "s3:GetObject" in _actions(trainer)
