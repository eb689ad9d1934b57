import hashlib
from pathlib import Path

import pandas as pd
import pytest

from pipelines.ingest import ingest, load_snapshot
from shadowloop.spec import Source
from tests.factories import tiny_frame, tiny_spec

pytestmark = pytest.mark.unit


def _lake_files(lake: Path) -> list[Path]:
    return sorted(p for p in lake.rglob("*") if p.is_file())


def test_snapshot_is_addressed_by_content_and_idempotent(tmp_path: Path) -> None:
    source = tmp_path / "data.csv"
    tiny_frame().to_csv(source, index=False)
    spec = tiny_spec(uri=str(source))
    lake = tmp_path / "lake"

    first = ingest(spec, str(lake))
    files = {p: p.stat().st_mtime_ns for p in _lake_files(lake)}
    second = ingest(spec, str(lake))

    assert first == second
    assert {p: p.stat().st_mtime_ns for p in _lake_files(lake)} == files  # nothing rewritten
    assert hashlib.sha256(Path(first.uri).read_bytes()).hexdigest() == first.sha256
    assert first.rows == 300 and first.schema["x1"] == "float64"


def test_different_data_gives_a_new_snapshot(tmp_path: Path) -> None:
    lake = str(tmp_path / "lake")
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    tiny_frame(seed=1).to_parquet(a)
    tiny_frame(seed=2).to_parquet(b)
    spec = tiny_spec()
    assert ingest(spec, lake, Source(uri=str(a))).sha256 != ingest(spec, lake, Source(uri=str(b))).sha256


def test_sql_source_redacts_password(tmp_path: Path) -> None:
    import sqlalchemy

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine = sqlalchemy.create_engine(url)
    tiny_frame().to_sql("events", engine, index=False)
    engine.dispose()
    snapshot = ingest(tiny_spec(), str(tmp_path / "lake"), Source(sql_url=url, query="select * from events"))
    assert snapshot.rows == 300
    assert "select * from events" in snapshot.source
    assert load_snapshot(snapshot).shape == (300, 5)


def test_tampered_snapshot_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "data.csv"
    tiny_frame().to_csv(source, index=False)
    snapshot = ingest(tiny_spec(uri=str(source)), str(tmp_path / "lake"))
    pd.DataFrame({"x": [1]}).to_parquet(snapshot.uri)
    with pytest.raises(ValueError, match="corrupt"):
        load_snapshot(snapshot)


def test_unknown_file_type_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"\.csv or \.parquet"):
        ingest(tiny_spec(uri=str(path)), str(tmp_path / "lake"))
