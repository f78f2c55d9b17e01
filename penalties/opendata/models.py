"""Where each published open data file is: the store is content-addressed, so the name
``opendata/YYYY-MM/violations.csv`` is this row pointing at the file's SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Timestamps, UUIDPk


class OpenDataFile(UUIDPk, Timestamps, Base):
    __tablename__ = "opendata_files"
    __table_args__ = (UniqueConstraint("month", "name"),)

    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM, the Vietnam month
    name: Mapped[str] = mapped_column(String(40))  # violations.csv, violations.json, schema.json
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(80))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    rows: Mapped[int] = mapped_column(Integer)  # data rows in the file set (after suppression)
    k: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(200))

    @property
    def path(self) -> str:
        return f"opendata/{self.month}/{self.name}"
