"""The embedded identity provider's RSA signing key (created once under the data dir)."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from core.config import get_settings
from core.secrets_file import write_once


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@lru_cache
def signing_key() -> rsa.RSAPrivateKey:
    """The IdP's key, made once per data dir. Several threads or worker processes starting at once on a
    fresh data dir all end up with the first one written (each would otherwise sign with its own)."""
    path = Path(get_settings().data_dir) / "idp_signing_key.pem"
    if not path.exists():
        fresh = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        write_once(path, _pem(fresh))
    return _load(path)


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def key_id() -> str:
    der = (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return hashlib.sha256(der).hexdigest()[:16]


def public_jwks() -> dict[str, Any]:
    numbers = signing_key().public_key().public_numbers()
    jwk = {
        "kty": "RSA",
        "use": "sig",
        "alg": "RS256",
        "kid": key_id(),
        "n": _b64(numbers.n),
        "e": _b64(numbers.e),
    }
    return {"keys": [jwk]}
