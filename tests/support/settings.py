"""Production settings for tests: every required secret strong and distinct, so that a test changes
only what it is about (one place to add the next required secret)."""

from __future__ import annotations

import secrets
from typing import Any

from core.config import Environment, Settings


def strong() -> str:
    return secrets.token_urlsafe(48)


def production(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": Environment.production,
        "secret_key": strong(),
        "idp_client_secret": strong(),
        "audit_key": strong(),
        "acknowledgement_key": strong(),
        "biometric_key": strong(),
        "vnpay_hash_secret": strong(),
        "idp_embedded": False,
        "session_cookie_secure": True,
        "hsts_seconds": 31_536_000,
    }
    return Settings(**{**values, **overrides})
