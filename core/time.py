"""Timezone-aware time: UTC in storage, Asia/Ho_Chi_Minh on screen."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_local(value: datetime, tz: ZoneInfo = VN_TZ) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime: tvp only handles timezone-aware times")
    return value.astimezone(tz)


def format_local(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    return "" if value is None else to_local(value).strftime(fmt)
