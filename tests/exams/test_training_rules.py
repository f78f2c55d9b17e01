"""The DAT session rules as pure functions of times: each boundary and its neighbour."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from exams.training.models import CountRule
from exams.training.rules import count_session, next_checkin_allowed, vn_day

H, M, S = timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1)


@pytest.mark.parametrize(
    ("length", "seconds", "rule"),
    [
        (4 * M + 59 * S, 0, CountRule.too_short),
        (5 * M, 300, CountRule.counted),
        (2 * H, 7200, CountRule.counted),
        (4 * H, 14400, CountRule.counted),
        (4 * H + S, 14400, CountRule.capped),
        (9 * H, 14400, CountRule.capped),
    ],
)
def test_a_session_counts_from_five_minutes_and_at_most_four_hours(
    length: timedelta, seconds: int, rule: CountRule
) -> None:
    got = count_session(length, timedelta(0))
    assert (got.seconds, got.rule) == (seconds, rule)


@pytest.mark.parametrize(
    ("already", "length", "seconds", "rule"),
    [
        (6 * H, 4 * H, 14400, CountRule.counted),  # exactly 10 h that day
        (6 * H + S, 4 * H, 14399, CountRule.day_limit),
        (9 * H + 30 * M, H, 1800, CountRule.day_limit),
        (10 * H, H, 0, CountRule.day_limit),
        (8 * H, 5 * H, 7200, CountRule.day_limit),  # capped at 4 h, then 2 h left that day
        (10 * H, 4 * M, 0, CountRule.too_short),  # too short is said first
    ],
)
def test_a_day_counts_at_most_ten_hours(
    already: timedelta, length: timedelta, seconds: int, rule: CountRule
) -> None:
    got = count_session(length, already)
    assert (got.seconds, got.rule) == (seconds, rule)


def test_the_next_checkin_is_fifteen_minutes_after_a_checkout() -> None:
    out = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    assert next_checkin_allowed(out) == datetime(2026, 12, 5, 3, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime(2026, 12, 5, 16, 59, 59, tzinfo=UTC), date(2026, 12, 5)),  # 23:59:59 in Vietnam
        (datetime(2026, 12, 5, 17, 0, tzinfo=UTC), date(2026, 12, 6)),  # midnight in Vietnam
        (datetime(2026, 12, 5, 23, 30, tzinfo=UTC), date(2026, 12, 6)),  # still the 5th in UTC
    ],
)
def test_the_day_is_vietnams_not_utcs(instant: datetime, day: date) -> None:
    assert vn_day(instant) == day


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        vn_day(datetime(2026, 12, 5, 8, 0))
