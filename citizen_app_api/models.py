"""The embedded identity provider's authorization codes (dev/demo VNeID stand-in)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.time import utc_now


class AuthorizationCode(Base):
    """One-time code of the authorization-code flow: opaque to the app, only its hash is stored, and
    it is spent in the database (so a restart cannot make it redeemable again)."""

    __tablename__ = "idp_authorization_codes"

    code_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    cccd: Mapped[str] = mapped_column(String(12))
    client_id: Mapped[str] = mapped_column(String(100))
    redirect_uri: Mapped[str] = mapped_column(String(500))
    nonce: Mapped[str] = mapped_column(String(200))
    code_challenge: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
