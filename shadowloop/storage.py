"""The data lake: a local folder or an s3:// prefix (any S3-compatible endpoint), behind one small API."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from shadowloop.settings import Settings, get_settings


def is_s3(uri: str) -> bool:
    return uri.startswith("s3://")


def join(base: str, *parts: str) -> str:
    """Join URI parts with '/', keeping an s3:// scheme intact."""
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])


def _bucket_key(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")


@functools.cache
def _s3_client(endpoint_url: str | None, region: str) -> Any:
    import boto3  # imported lazily: boto3 costs ~0.5 s and local runs never need it

    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region)


def s3_client(settings: Settings | None = None) -> Any:
    settings = settings or get_settings()
    return _s3_client(settings.s3_endpoint_url, settings.aws_region)


def read_bytes(uri: str) -> bytes:
    if is_s3(uri):
        bucket, key = _bucket_key(uri)
        body: bytes = s3_client().get_object(Bucket=bucket, Key=key)["Body"].read()
        return body
    return Path(uri).read_bytes()


def write_bytes(uri: str, data: bytes) -> None:
    if is_s3(uri):
        bucket, key = _bucket_key(uri)
        s3_client().put_object(Bucket=bucket, Key=key, Body=data)
        return
    path = Path(uri)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)  # atomic: a reader never sees half a file


def exists(uri: str) -> bool:
    if is_s3(uri):
        bucket, key = _bucket_key(uri)
        response = s3_client().list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
        return any(obj["Key"] == key for obj in response.get("Contents", []))
    return Path(uri).exists()


def move(src: str, dst: str) -> None:
    """Move one object; on S3 a copy then a delete."""
    if is_s3(src):
        data = read_bytes(src)
        write_bytes(dst, data)
        bucket, key = _bucket_key(src)
        s3_client().delete_object(Bucket=bucket, Key=key)
        return
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    shutil.move(src, dst)


def list_files(prefix: str) -> list[str]:
    """Every object (S3) or file (local) under a prefix, as full URIs."""
    if is_s3(prefix):
        bucket, key = _bucket_key(prefix.rstrip("/") + "/")
        pages = s3_client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
        return [f"s3://{bucket}/{obj['Key']}" for page in pages for obj in page.get("Contents", [])]
    root = Path(prefix)
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload_dir(local: Path, uri: str) -> None:
    """Copy a local folder's files to a lake prefix (overwriting: a retried step rewrites the same files)."""
    for path in sorted(p for p in local.rglob("*") if p.is_file()):
        write_bytes(join(uri, path.relative_to(local).as_posix()), path.read_bytes())


def download_dir(uri: str, local: Path) -> Path:
    """Copy a lake prefix's files into a local folder; returns the folder."""
    base = uri.rstrip("/") + "/"
    for file_uri in list_files(uri):
        target = local / file_uri.removeprefix(base)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(read_bytes(file_uri))
    return local
