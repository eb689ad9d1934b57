"""Ingest: read the source, write an immutable Parquet snapshot addressed by its sha256."""

from __future__ import annotations

import hashlib
import io
import json

import pandas as pd

from pipelines.types import Snapshot
from shadowloop import storage
from shadowloop.spec import ProjectSpec, Source


def read_source(source: Source) -> pd.DataFrame:
    """Load the raw frame from a CSV/Parquet path or s3:// URI, or a SQL query."""
    if source.sql_url and source.query:
        import sqlalchemy

        engine = sqlalchemy.create_engine(source.sql_url)
        try:
            with engine.connect() as connection:
                return pd.read_sql_query(sqlalchemy.text(source.query), connection)
        finally:
            engine.dispose()
    assert source.uri is not None
    data = io.BytesIO(storage.read_bytes(source.uri))
    if source.uri.endswith(".parquet"):
        return pd.read_parquet(data)
    if source.uri.endswith(".csv"):
        return pd.read_csv(data)
    raise ValueError(f"source {source.uri!r}: expected a .csv or .parquet file")


def _redacted(sql_url: str | None) -> str:
    import sqlalchemy

    return sqlalchemy.make_url(sql_url or "").render_as_string(hide_password=True)


def _to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    # Fixed writer options so the same data always gives the same bytes, hence the same sha256.
    buffer = io.BytesIO()
    frame.reset_index(drop=True).to_parquet(buffer, index=False, compression="zstd", engine="pyarrow")
    return buffer.getvalue()


def snapshot_uri(lake_uri: str, project: str, sha256: str) -> str:
    return storage.join(lake_uri, "snapshots", project, f"{sha256}.parquet")


def ingest(spec: ProjectSpec, lake_uri: str, source: Source | None = None) -> Snapshot:
    """Snapshot the source into the lake. Identical data returns the existing snapshot and writes nothing."""
    source = source or spec.source
    frame = read_source(source)
    payload = _to_parquet_bytes(frame)
    sha256 = hashlib.sha256(payload).hexdigest()
    uri = snapshot_uri(lake_uri, spec.name, sha256)
    snapshot = Snapshot(
        project=spec.name,
        uri=uri,
        sha256=sha256,
        rows=len(frame),
        schema={str(c): str(t) for c, t in frame.dtypes.items()},
        source=source.uri or f"{_redacted(source.sql_url)} :: {source.query}",
    )
    if not storage.exists(uri):
        storage.write_bytes(uri, payload)
        storage.write_bytes(uri.removesuffix(".parquet") + ".json", json.dumps(snapshot.to_dict()).encode())
    return snapshot


def load_snapshot(snapshot: Snapshot) -> pd.DataFrame:
    """Read a snapshot back, refusing it if its bytes no longer match its sha256."""
    payload = storage.read_bytes(snapshot.uri)
    actual = hashlib.sha256(payload).hexdigest()
    if actual != snapshot.sha256:
        raise ValueError(f"snapshot {snapshot.uri} is corrupt: sha256 {actual} != {snapshot.sha256}")
    return pd.read_parquet(io.BytesIO(payload))
