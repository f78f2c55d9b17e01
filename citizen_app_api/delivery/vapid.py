"""The VAPID key pair of this installation (Web Push): created once under the data dir, kept 0600."""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from core.config import get_settings
from core.secrets_file import write_once


def key_path() -> Path:
    settings = get_settings()
    return settings.vapid_private_key_file or settings.data_dir / "vapid_private_key.pem"


def _load_or_create(path: Path) -> ec.EllipticCurvePrivateKey:
    if not path.exists():
        fresh = ec.generate_private_key(ec.SECP256R1())
        pem = fresh.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        write_once(path, pem)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path}: not an EC (P-256) private key")
    return loaded


@lru_cache
def _cached(path: Path) -> ec.EllipticCurvePrivateKey:
    return _load_or_create(path)


def vapid_key() -> Vapid02:
    return Vapid02(private_key=_cached(key_path()))


def public_key_b64() -> str:
    """The applicationServerKey browsers pass to pushManager.subscribe (uncompressed point, base64url)."""
    raw = (
        _cached(key_path())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
