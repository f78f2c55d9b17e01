"""A camera as a database row."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Float, Integer, String
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
