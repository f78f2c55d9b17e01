"""Content-addressed evidence store: files keyed by SHA-256, never overwritten, verified on read.

Evidence is kept; the one exception is a blob under a retention rule (a proctoring frame), which its
owner removes with ``delete`` when the rule says so."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

from core.backends import Backend, UnknownBackend
from core.config import Settings, get_settings

_KEY = re.compile(r"^[0-9a-f]{64}$")


class EvidenceError(Exception):
    pass


class EvidenceMissing(EvidenceError):
    pass


class EvidenceCorrupt(EvidenceError):
    """Stored bytes no longer hash to their key: the file was altered."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_key(key: str) -> str:
    if not _KEY.match(key):
        raise EvidenceError(f"not a SHA-256 key: {key!r}")
    return key


class BlobStore(Backend, ABC):
    registry: ClassVar[dict[str, type[Any]]] = {}

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Settings) -> BlobStore: ...

    def put(self, data: bytes) -> str:
        """Store bytes; returns their SHA-256. Storing the same bytes again is a no-op."""
        key = sha256_hex(data)
        if not self.exists(key):
            self._write(key, data)
        return key

    def get(self, key: str) -> bytes:
        data = self._read(check_key(key))
        if sha256_hex(data) != key:
            raise EvidenceCorrupt(f"evidence {key} fails its hash check")
        return data

    def verify(self, key: str) -> bool:
        try:
            self.get(key)
        except EvidenceError:
            return False
        return True

    def delete(self, key: str) -> None:
        """Remove a blob whose retention ended (missing already: a no-op)."""
        self._remove(check_key(key))

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def _remove(self, key: str) -> None: ...

    @abstractmethod
    def _write(self, key: str, data: bytes) -> None: ...

    @abstractmethod
    def _read(self, key: str) -> bytes: ...


class LocalBlobStore(BlobStore):
    name = "local"

    def __init__(self, root: Path):
        self.root = Path(root)

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalBlobStore:
        return cls(settings.resolved_evidence_dir)

    def path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def _write(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)
            with contextlib.suppress(FileExistsError):  # the key exists: never overwrite
                os.link(tmp, target)
        finally:
            os.unlink(tmp)

    def _remove(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def _read(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError as exc:
            raise EvidenceMissing(f"evidence {key} not found") from exc


class S3BlobStore(BlobStore):
    """S3-compatible object storage (MinIO in production). Writes are conditional: never overwrite."""

    name = "s3"

    def __init__(self, settings: Settings, client: Any = None):
        import boto3

        self.bucket = settings.s3_bucket
        self.client = client or boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            aws_access_key_id=settings.s3_access_key,
            aws_secret_access_key=settings.s3_secret_key,
            region_name=settings.s3_region,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> S3BlobStore:
        return cls(settings)

    def _object(self, key: str) -> str:
        return f"sha256/{key[:2]}/{key}"

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._object(check_key(key)))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def _write(self, key: str, data: bytes) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._object(key),
                Body=data,
                IfNoneMatch="*",
                ChecksumAlgorithm="SHA256",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("PreconditionFailed", "412"):
                raise

    def _remove(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._object(key))  # S3: missing is no error

    def _read(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return bytes(self.client.get_object(Bucket=self.bucket, Key=self._object(key))["Body"].read())
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise EvidenceMissing(f"evidence {key} not found") from exc
            raise


def get_blob_store(settings: Settings | None = None) -> BlobStore:
    settings = settings or get_settings()
    try:
        store_cls = BlobStore.by_name(settings.evidence_backend)
    except UnknownBackend as exc:
        raise EvidenceError(f"TVP_EVIDENCE_BACKEND: {exc}") from exc
    return store_cls.from_settings(settings)
