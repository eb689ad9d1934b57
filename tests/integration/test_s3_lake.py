"""The data lake on a real S3-compatible server: snapshots, idempotency and quarantine over s3://."""

from pathlib import Path

import pytest

from pipelines.demo_data import generate_fraud
from pipelines.ingest import ingest, load_snapshot
from pipelines.types import DataValidationError
from pipelines.validate import validate_snapshot
from shadowloop import storage
from shadowloop.settings import get_settings
from shadowloop.spec import Source, load_spec

pytestmark = pytest.mark.integration


@pytest.fixture
def s3_lake(s3_server, monkeypatch: pytest.MonkeyPatch, request) -> str:
    for key, value in s3_server.env().items():
        monkeypatch.setenv(key, value)
    bucket = f"lake-{request.node.name.lower().replace('_', '-')[:40]}"
    s3_server.client().create_bucket(Bucket=bucket)
    monkeypatch.setenv("SHADOWLOOP_LAKE_URI", f"s3://{bucket}/prod")
    get_settings.cache_clear()
    return get_settings().lake_uri


def test_source_and_snapshot_on_s3_are_idempotent(s3_server, s3_lake: str, tmp_path: Path) -> None:
    spec = load_spec("specs/fraud.yaml")
    local = tmp_path / "fraud.parquet"
    generate_fraud(rows=2000).to_parquet(local)
    source_uri = storage.join(s3_lake, "incoming", "fraud.parquet")
    storage.write_bytes(source_uri, local.read_bytes())

    first = ingest(spec, s3_lake, Source(uri=source_uri))
    second = ingest(spec, s3_lake, Source(uri=source_uri))
    assert first == second and first.uri.startswith("s3://")
    bucket = s3_lake.split("/")[2]
    keys = [o["Key"] for o in s3_server.client().list_objects_v2(Bucket=bucket)["Contents"]]
    assert sum(k.endswith(f"{first.sha256}.parquet") for k in keys) == 1
    assert len(load_snapshot(first)) == 2000
    assert validate_snapshot(first, spec, s3_lake).success


def test_bad_batch_is_quarantined_on_s3(s3_lake: str, tmp_path: Path) -> None:
    spec = load_spec("specs/fraud.yaml")
    local = tmp_path / "bad.csv"
    generate_fraud(rows=2000, corruption=["out_of_range"]).to_csv(local, index=False)
    snapshot = ingest(spec, s3_lake, Source(uri=str(local)))
    with pytest.raises(DataValidationError) as error:
        validate_snapshot(snapshot, spec, s3_lake)
    assert error.value.quarantine_uri.startswith("s3://")
    assert storage.exists(storage.join(error.value.quarantine_uri, "snapshot.parquet"))
    assert storage.exists(storage.join(error.value.quarantine_uri, "validation.md"))
    assert not storage.exists(snapshot.uri)
