"""A camera as a database row, and every version of its configuration file.

The row is derived: name, road, province, GPS and speed limit come from the newest stored version.
"""

from __future__ import annotations

import uuid

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Timestamps, UUIDPk


class Camera(UUIDPk, Timestamps, Base):
    __tablename__ = "cameras"
    __table_args__ = (CheckConstraint("speed_limit_kmh > 0 AND speed_limit_kmh <= 150", name="speed_limit"),)

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    road: Mapped[str] = mapped_column(String(200))
    province_code: Mapped[str] = mapped_column(String(2))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    speed_limit_kmh: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)


class CameraConfigVersion(UUIDPk, Timestamps, Base):
    """One version of a camera's YAML configuration, stored as registered (never edited)."""

    __tablename__ = "camera_configs"
    __table_args__ = (
        UniqueConstraint("camera_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    camera_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cameras.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
