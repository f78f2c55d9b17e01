"""Server-side signatures over acknowledgements: Ed25519, with the key derived from the
TVP_ACKNOWLEDGEMENT_KEY secret (generated once per data dir outside production, like the others).

The signed bytes are the document's canonical JSON (sorted keys, no spaces, UTF-8), so anyone holding
the public key can check a stored acknowledgement without this code.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from core.config import get_settings

ALGORITHM = "Ed25519"


def canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def private_key() -> Ed25519PrivateKey:
    seed = hashlib.sha256(b"tvp acknowledgement key\x00" + get_settings().acknowledgement_key.encode())
    return Ed25519PrivateKey.from_private_bytes(seed.digest())


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def key_id(key: Ed25519PublicKey | None = None) -> str:
    raw = (key or public_key()).public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_jwk() -> dict[str, str]:
    """The verification key as a JWK (RFC 8037), for anyone checking a signature outside tvp."""
    raw = public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": key_id(), "x": _b64(raw)}


def sign(document: dict[str, Any]) -> tuple[str, str]:
    """(signature, key id) for the document."""
    return _b64(private_key().sign(canonical(document))), key_id()


def verify(document: dict[str, Any], signature: str, kid: str) -> bool:
    """Whether ``signature`` is ours, by the key ``kid``, over exactly this document."""
    key = public_key()
    if kid != key_id(key):
        return False  # signed by a key we no longer hold (or never did)
    try:
        key.verify(_unb64(signature), canonical(document))
    except (InvalidSignature, ValueError):
        return False
    return True
