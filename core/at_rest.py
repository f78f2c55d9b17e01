"""Encryption at rest for the few personal values the database must hold for a while (the face
embedding admitted at an online exam's check-in, until the exam ends): AES-256-GCM under a key derived
from ``TVP_BIOMETRIC_KEY`` per purpose, each value bound to the row it belongs to (associated data), so
that a copied value does not open on another row and a changed one does not open at all.

Format: ``b"v1"`` + 12-byte random nonce + ciphertext and tag."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.config import get_settings

VERSION = b"v1"
NONCE_BYTES = 12
TAG_BYTES = 16


class SealBroken(ValueError):
    """A value that does not open: altered, moved to another row, or sealed under another key."""


@lru_cache(maxsize=8)
def _cipher(key: str, purpose: str) -> AESGCM:
    return AESGCM(hashlib.sha256(b"tvp at rest\x00" + purpose.encode() + b"\x00" + key.encode()).digest())


def encrypt(purpose: str, plain: bytes, bound_to: bytes, key: str | None = None) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    cipher = _cipher(key if key is not None else get_settings().biometric_key, purpose)
    return VERSION + nonce + cipher.encrypt(nonce, plain, bound_to)


def decrypt(purpose: str, sealed: bytes, bound_to: bytes, key: str | None = None) -> bytes:
    head = len(VERSION) + NONCE_BYTES
    if not sealed.startswith(VERSION) or len(sealed) < head + TAG_BYTES:
        raise SealBroken(f"not a sealed {purpose} value")
    nonce, body = sealed[len(VERSION) : head], sealed[head:]
    cipher = _cipher(key if key is not None else get_settings().biometric_key, purpose)
    try:
        return cipher.decrypt(nonce, body, bound_to)
    except InvalidTag as exc:
        raise SealBroken(f"a sealed {purpose} value does not open: altered, moved or another key") from exc
