"""Timezone-aware time: UTC in storage, Asia/Ho_Chi_Minh on screen and for legal dates."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utc_now() -> datetime:
    return datetime.now(UTC)


def vn_today() -> date:
    """Today's date in Vietnam: the legal date, whatever the machine's own zone or UTC say."""
    return utc_now().astimezone(VN_TZ).date()


def to_local(value: datetime, tz: ZoneInfo = VN_TZ) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime: tvp only handles timezone-aware times")
    return value.astimezone(tz)


def utc_instant(value: datetime) -> datetime:
    """An instant given by a client, as UTC: it must carry its offset and lie in 2000–2099 (a year 1 or
    9999 with a far offset cannot even be stored)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("give the time with its UTC offset, e.g. 2026-12-01T08:00:00+07:00")
    try:
        instant = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range (2000–2099)") from None
    if not 2000 <= instant.year <= 2099:
        raise ValueError("the time is out of range (2000–2099)")
    return instant


def format_local(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    return "" if value is None else to_local(value).strftime(fmt)


TEST_CLOCK_ENV = "TVP_TEST_CLOCK"


def follow_test_clock() -> None:
    """Test runs only (TVP_ENV=test and TVP_TEST_CLOCK set): move this process's clock.

    TVP_TEST_CLOCK is an instant such as ``2026-11-28T16:30:00Z``. The first process to read it (the
    pytest session, see tests/conftest.py) pins it to the real time it read it at, ``INSTANT@EPOCH``, and
    exports that, so the ``tvp`` processes the tests start land on the very same running clock rather than
    back at the instant. The clock still ticks: timeouts and back-offs work as usual.
    """
    spec = os.environ.get(TEST_CLOCK_ENV)
    if not spec or os.environ.get("TVP_ENV") != "test":
        return
    import time_machine  # a dev dependency: only test runs get here

    instant, _, epoch = spec.partition("@")
    start = datetime.fromisoformat(instant)
    if start.tzinfo is None:
        raise ValueError(f"{TEST_CLOCK_ENV}={spec!r}: give the instant's offset, e.g. 2026-11-28T16:30:00Z")
    real = time.time()
    if not epoch:
        epoch = str(real)
        os.environ[TEST_CLOCK_ENV] = f"{instant}@{epoch}"
    # A float timestamp, not a datetime: time-machine would set TZ from an aware datetime's zone, and the
    # point of these runs is to keep the machine's own zone (TZ=...) far from both UTC and Vietnam.
    time_machine.travel(start.timestamp() + real - float(epoch), tick=True).start()
    # time-machine starts the tick at the first reading, not at start(): read now, or a process that
    # spends seconds importing before it reads the time lags the others by those seconds.
    time.time()
