import os
import stat

import pytest

from core.config import Settings
from core.evidence import (
    EvidenceCorrupt,
    EvidenceError,
    EvidenceMissing,
    LocalBlobStore,
    S3BlobStore,
    get_blob_store,
    sha256_hex,
)


def test_local_store_round_trip(tmp_path) -> None:
    store = LocalBlobStore(tmp_path)
    key = store.put(b"frame bytes")
    assert key == sha256_hex(b"frame bytes")
    assert store.get(key) == b"frame bytes"
    assert store.path(key).relative_to(tmp_path).parts[:2] == (key[:2], key[2:4])
    assert store.put(b"frame bytes") == key  # same bytes, same key, no error
    assert not store.path(key).stat().st_mode & stat.S_IWUSR  # stored read-only


def test_local_store_detects_tampering(tmp_path) -> None:
    store = LocalBlobStore(tmp_path)
    key = store.put(b"original evidence")
    path = store.path(key)
    os.chmod(path, 0o644)
    path.write_bytes(b"altered evidence")
    assert not store.verify(key)
    with pytest.raises(EvidenceCorrupt):
        store.get(key)
    assert store.put(b"original evidence") == key  # never overwrites, even a corrupt file
    assert path.read_bytes() == b"altered evidence"


def test_local_store_missing_and_bad_keys(tmp_path) -> None:
    store = LocalBlobStore(tmp_path)
    with pytest.raises(EvidenceMissing):
        store.get("a" * 64)
    with pytest.raises(EvidenceError, match="not a SHA-256 key"):
        store.get("../../etc/passwd")


def test_store_selected_by_settings(tmp_path) -> None:
    assert isinstance(get_blob_store(Settings(data_dir=tmp_path)), LocalBlobStore)
    with pytest.raises(
        EvidenceError, match=r"TVP_EVIDENCE_BACKEND: no BlobStore called 'ftp' \(known: local, s3\)"
    ):
        get_blob_store(Settings(evidence_backend="ftp"))


@pytest.fixture
def s3_settings():
    """A real S3 API over HTTP on loopback (moto's server), standing in for MinIO."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    settings = Settings(
        evidence_backend="s3",
        s3_endpoint_url=f"http://{host}:{port}",
        s3_bucket="evidence",
        s3_access_key="test",
        s3_secret_key="test",
    )
    boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    ).create_bucket(Bucket="evidence")
    yield settings
    server.stop()


def test_s3_store_round_trip_and_tamper(s3_settings: Settings) -> None:
    store = get_blob_store(s3_settings)
    assert isinstance(store, S3BlobStore)
    key = store.put(b"clip bytes")
    assert store.exists(key) and store.get(key) == b"clip bytes"
    assert store.put(b"clip bytes") == key
    with pytest.raises(EvidenceMissing):
        store.get("b" * 64)
    # Someone with bucket access replaces the object: the read-side hash check catches it.
    store.client.put_object(Bucket="evidence", Key=store._object(key), Body=b"swapped")
    with pytest.raises(EvidenceCorrupt):
        store.get(key)
