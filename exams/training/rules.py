"""The DAT device rules for training sessions, as pure functions of times (no database, no clock).

- A session counts only if it lasts at least 5 minutes; a shorter one is recorded, not counted.
- A session over 4 hours is not refused (the learner did train): 4 hours of it count (``capped``).
- A new check-in comes at least 15 minutes after the learner's previous check-out.
- At most 10 counted hours per Vietnam calendar day (Asia/Ho_Chi_Minh, whatever UTC says). A session
  belongs wholly to the Vietnam day it was checked in on: one from 23:30 to 00:30 counts its hour on the
  first day (as far as that day's 10 hours allow), never on the next. A check-in on a day whose 10 hours
  are used up is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.time import to_local
from exams.training.models import CountRule

MIN_SESSION = timedelta(minutes=5)
MAX_SESSION = timedelta(hours=4)
MIN_GAP = timedelta(minutes=15)
MAX_PER_DAY = timedelta(hours=10)


def vn_day(at: datetime) -> date:
    """The Vietnam calendar day of an instant (raises on a naive datetime)."""
    return to_local(at).date()


def next_checkin_allowed(last_checkout: datetime) -> datetime:
    return last_checkout + MIN_GAP


@dataclass(frozen=True)
class Count:
    seconds: int
    rule: CountRule


def count_session(length: timedelta, counted_that_day: timedelta) -> Count:
    """What a session of ``length`` adds to its day, which already counts ``counted_that_day``."""
    if length < MIN_SESSION:
        return Count(0, CountRule.too_short)
    credit, rule = (MAX_SESSION, CountRule.capped) if length > MAX_SESSION else (length, CountRule.counted)
    left = max(MAX_PER_DAY - counted_that_day, timedelta(0))
    if credit > left:
        credit, rule = left, CountRule.day_limit
    return Count(int(credit.total_seconds()), rule)
