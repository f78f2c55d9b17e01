"""The embedded identity provider's RSA signing key (created once under the data dir)."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from core.config import get_settings


def _b64(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


_key_lock = threading.Lock()


def _load(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


@lru_cache
def signing_key() -> rsa.RSAPrivateKey:
    """The IdP's key, made once per data dir. Several threads or worker processes starting at once on a
    fresh data dir all end up with the first one written (each would otherwise sign with its own)."""
    path = Path(get_settings().data_dir) / "idp_signing_key.pem"
    with _key_lock:
        if path.exists():
            return _load(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        try:
            os.link(tmp, path)  # fails if another process wrote its key first: that one is the key
        except FileExistsError:
            return _load(path)
        finally:
            tmp.unlink(missing_ok=True)
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
