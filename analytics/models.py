"""The aggregate table the dashboard reads: one row per Vietnam day × hour × camera × violation code.

Each count is of events that happened in that hour of that Vietnam day, for violations of that camera and
code: candidates detected; reviews that confirmed or rejected; notices issued; notices covered by a
sanction decision issued; notices whose decision was paid. Camera code and province are copied in, so
the dashboard filters by camera and area without joining the base tables.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UUIDPk
from core.time import utc_now

METRICS = ("detected", "confirmed", "rejected", "notices", "decisions", "paid")


class DailyViolationStats(UUIDPk, Base):
    __tablename__ = "analytics_daily"
    __table_args__ = (
        UniqueConstraint("day", "hour", "camera_id", "violation_code"),
        CheckConstraint("hour >= 0 AND hour <= 23", name="hour_range"),
    )

    day: Mapped[date] = mapped_column(Date, index=True)  # the Vietnam calendar day
    hour: Mapped[int] = mapped_column(Integer)  # the hour of day in Vietnam, 0–23
    camera_id: Mapped[uuid.UUID]  # no foreign key: the aggregate never blocks a camera's removal
    camera_code: Mapped[str] = mapped_column(String(40), index=True)
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    violation_code: Mapped[str] = mapped_column(String(40))
    detected: Mapped[int] = mapped_column(Integer, default=0)
    confirmed: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    notices: Mapped[int] = mapped_column(Integer, default=0)
    decisions: Mapped[int] = mapped_column(Integer, default=0)
    paid: Mapped[int] = mapped_column(Integer, default=0)
    refreshed_at: Mapped[datetime] = mapped_column(default=utc_now)
