"""Training sessions through the service with explicit times (no clock): the rules at their
boundaries on the database, the Vietnam day across midnight, face refusals, audit entries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AuditEntry
from exams.checkin import Outcome
from exams.models import Verdict
from exams.training import service
from exams.training.exceptions import (
    AlreadyEnrolled,
    CheckoutBeforeCheckin,
    DailyLimitReached,
    NoOpenSession,
    SessionAlreadyOpen,
    TooSoonAfterCheckout,
)
from exams.training.models import CountRule, CourseClass, Enrolment, SessionStatus
from exams.training.schemas import EnrolmentCreate

STAFF = "staff:desk-1"
# 08:00 on 5 December 2026 in Vietnam (UTC+7).
T0 = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
H, M, S = timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1)
MATCH = Outcome(
    Verdict.admitted,
    "person_bound",
    "khớp",
    "matched",
    face_distance=0.12,
    face_threshold=0.5,
    face_matched=True,
)
MISMATCH = Outcome(
    Verdict.refused,
    "face.mismatch",
    "không khớp",
    "mismatch",
    face_distance=0.9,
    face_threshold=0.5,
    face_matched=False,
)


def _enrol(db: Session, cccd: str = "079203001234", course: str = "B-2026-12") -> Enrolment:
    body = EnrolmentCreate(
        cccd=cccd,
        full_name="Nguyễn Văn An",
        centre="Trung tâm Quận 9",
        course=course,
        licence_class=CourseClass.B,
    )
    return service.enrol(db, body, actor=STAFF)


def _session(db: Session, e: Enrolment, start: datetime, length: timedelta) -> service.TrainingSession:
    service.check_in(db, e, MATCH, actor=STAFF, now=start)
    return service.check_out(db, e, MATCH, actor=STAFF, now=start + length)


def _actions(db: Session) -> list[str]:
    return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_a_session_is_opened_and_closed_with_both_faces_and_audited(db: Session) -> None:
    e = _enrol(db)
    opened = service.check_in(db, e, MATCH, actor=STAFF, now=T0)
    assert opened is not None and opened.status is SessionStatus.open
    assert (opened.vn_day, opened.in_face_distance, opened.in_face_threshold) == (
        date(2026, 12, 5),
        0.12,
        0.5,
    )
    closed = service.check_out(db, e, MATCH, actor=STAFF, now=T0 + 2 * H)
    assert closed.id == opened.id and closed.status is SessionStatus.closed
    assert (closed.counted_seconds, closed.count_rule, closed.out_face_distance) == (
        7200,
        CountRule.counted,
        0.12,
    )
    assert _actions(db) == ["training.enrolled", "training.checked_in", "training.checked_out"]
    out = db.scalars(select(AuditEntry).where(AuditEntry.action == "training.checked_out")).one()
    assert out.detail["owner_cccd"] == e.cccd and out.detail["counted_seconds"] == 7200


def test_enrolment_is_once_per_centre_and_course(db: Session) -> None:
    _enrol(db)
    with pytest.raises(AlreadyEnrolled) as err:
        _enrol(db)
    assert err.value.status_code == 409 and err.value.info["code"] == "training.already_enrolled"
    assert _enrol(db, course="C-2027-01").course == "C-2027-01"  # another course is fine


@pytest.mark.parametrize(
    ("length", "seconds", "rule"),
    [
        (4 * M + 59 * S, 0, CountRule.too_short),
        (5 * M, 300, CountRule.counted),
        (4 * H, 14400, CountRule.counted),
        (4 * H + S, 14400, CountRule.capped),
    ],
)
def test_session_length_boundaries_on_the_database(
    db: Session, length: timedelta, seconds: int, rule: CountRule
) -> None:
    closed = _session(db, _enrol(db), T0, length)
    assert (closed.status, closed.counted_seconds, closed.count_rule) == (SessionStatus.closed, seconds, rule)


def test_a_new_checkin_waits_fifteen_minutes_after_the_checkout(db: Session) -> None:
    e = _enrol(db)
    out = _session(db, e, T0, H).checked_out_at
    assert out is not None
    with pytest.raises(TooSoonAfterCheckout) as err:
        service.check_in(db, e, MATCH, actor=STAFF, now=out + 14 * M + 59 * S)
    detail = err.value.info
    assert err.value.status_code == 409 and detail["code"] == "training.too_soon"
    assert detail["allowed_from"]["vn"] == "05/12/2026 09:15:00" and "09:15:00" in detail["vi"]
    assert service.check_in(db, e, MATCH, actor=STAFF, now=out + 15 * M) is not None


def test_the_spacing_spans_the_learners_other_enrolments(db: Session) -> None:
    b, c = _enrol(db), _enrol(db, course="C-2027-01")
    out = _session(db, b, T0, H).checked_out_at
    assert out is not None
    with pytest.raises(TooSoonAfterCheckout):
        service.check_in(db, c, MATCH, actor=STAFF, now=out + 10 * M)


def test_one_open_session_per_learner(db: Session) -> None:
    b, c = _enrol(db), _enrol(db, course="C-2027-01")
    opened = service.check_in(db, b, MATCH, actor=STAFF, now=T0)
    assert opened is not None
    for enrolment in (b, c):
        with pytest.raises(SessionAlreadyOpen) as err:
            service.check_in(db, enrolment, MATCH, actor=STAFF, now=T0 + H)
        assert err.value.info["session_id"] == str(opened.id)
    with pytest.raises(NoOpenSession):  # the open one is on the other enrolment
        service.check_out(db, c, MATCH, actor=STAFF, now=T0 + H)
    other = _enrol(db, cccd="079203009999")  # another learner is not held up
    assert service.check_in(db, other, MATCH, actor=STAFF, now=T0 + H) is not None


def test_a_checkout_needs_an_open_session_and_a_later_time(db: Session) -> None:
    e = _enrol(db)
    with pytest.raises(NoOpenSession) as err:
        service.check_out(db, e, MATCH, actor=STAFF, now=T0)
    assert err.value.info["code"] == "training.no_open_session"
    service.check_in(db, e, MATCH, actor=STAFF, now=T0)
    with pytest.raises(CheckoutBeforeCheckin):
        service.check_out(db, e, MATCH, actor=STAFF, now=T0 - S)


def test_ten_hours_per_vietnam_day_and_a_session_across_midnight_counts_on_its_first_day(db: Session) -> None:
    e = _enrol(db)
    day = date(2026, 12, 5)
    # 08:00–12:00, 12:15–16:15, 16:30–18:00 in Vietnam: 9 h 30 counted on the 5th.
    _session(db, e, T0, 4 * H)
    _session(db, e, T0 + 4 * H + 15 * M, 4 * H)
    _session(db, e, T0 + 8 * H + 30 * M, 90 * M)
    assert service.counted_on(db, e.cccd, day) == 9 * H + 30 * M
    # 23:30 on the 5th to 00:30 on the 6th (Vietnam): the 5th's last 30 minutes, nothing on the 6th.
    late = datetime(2026, 12, 5, 16, 30, tzinfo=UTC)
    across = _session(db, e, late, H)
    assert (across.vn_day, across.counted_seconds, across.count_rule) == (day, 1800, CountRule.day_limit)
    assert service.counted_on(db, e.cccd, day) == 10 * H
    assert service.counted_on(db, e.cccd, date(2026, 12, 6)) == timedelta(0)
    # 00:45 on the 6th: a fresh day, counted in full.
    next_day = _session(db, e, late + H + 15 * M, 2 * H)
    assert (next_day.vn_day, next_day.counted_seconds, next_day.count_rule) == (
        date(2026, 12, 6),
        7200,
        CountRule.counted,
    )


def test_a_checkin_on_a_full_day_is_refused_until_vietnamese_midnight(db: Session) -> None:
    e = _enrol(db)
    for i in range(3):  # 08:00–12:00, 12:15–16:15, 16:30–18:30 in Vietnam: 10 h
        _session(db, e, T0 + i * (4 * H + 15 * M), 2 * H if i == 2 else 4 * H)
    assert service.counted_on(db, e.cccd, date(2026, 12, 5)) == 10 * H
    with pytest.raises(DailyLimitReached) as err:  # 23:59:59 on the 5th in Vietnam
        service.check_in(db, e, MATCH, actor=STAFF, now=datetime(2026, 12, 5, 16, 59, 59, tzinfo=UTC))
    assert err.value.info == {
        "code": "training.day_limit",
        "vi": "Đã đủ 10 giờ học được tính trong ngày 05/12/2026.",
        "en": "The 10 counted hours of 05/12/2026 (Vietnam day) are used up.",
        "vn_day": "2026-12-05",
    }
    midnight = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)  # 00:00 on the 6th in Vietnam, the 5th in UTC
    opened = service.check_in(db, e, MATCH, actor=STAFF, now=midnight)
    assert opened is not None and opened.vn_day == date(2026, 12, 6)


def test_a_checkin_face_mismatch_opens_nothing_and_is_audited(db: Session) -> None:
    e = _enrol(db)
    assert service.check_in(db, e, MISMATCH, actor=STAFF, now=T0) is None
    assert service.open_session(db, e.cccd) is None
    refused = db.scalars(select(AuditEntry).where(AuditEntry.action == "training.checkin_refused")).one()
    assert refused.detail["reason_code"] == "face.mismatch" and refused.detail["face_distance"] == 0.9
    assert refused.detail["owner_cccd"] == e.cccd


def test_a_checkout_face_mismatch_leaves_the_session_open_and_flagged(db: Session) -> None:
    e = _enrol(db)
    service.check_in(db, e, MATCH, actor=STAFF, now=T0)
    held = service.check_out(db, e, MISMATCH, actor=STAFF, now=T0 + H)
    assert (held.status, held.checked_out_at, held.refused_checkouts, held.flagged) == (
        SessionStatus.open,
        None,
        1,
        True,
    )
    assert (held.out_face_distance, held.out_reason_code) == (0.9, "face.mismatch")
    with pytest.raises(SessionAlreadyOpen):  # still the learner's open session
        service.check_in(db, e, MATCH, actor=STAFF, now=T0 + 2 * H)
    closed = service.check_out(db, e, MATCH, actor=STAFF, now=T0 + H + 10 * M)
    assert (closed.status, closed.counted_seconds, closed.flagged) == (SessionStatus.closed, 4200, True)
    assert _actions(db)[-2:] == ["training.checkout_refused", "training.checked_out"]
    t = service.totals(db, e, actor=STAFF, purpose="test")
    assert (t.sessions, t.counted_sessions, t.counted_seconds, t.flagged_sessions, t.open_session_id) == (
        1,
        1,
        4200,
        1,
        None,
    )


def test_totals_count_only_closed_counted_sessions_and_the_read_is_audited(db: Session) -> None:
    e = _enrol(db)
    _session(db, e, T0, 4 * M)  # too short
    _session(db, e, T0 + H, 90 * M)
    opened = service.check_in(db, e, MATCH, actor=STAFF, now=T0 + 4 * H)
    assert opened is not None
    t = service.totals(db, e, actor=STAFF, purpose="learner totals")
    assert (t.sessions, t.counted_sessions, t.counted_seconds, t.open_session_id) == (2, 1, 5400, opened.id)
    read = db.scalars(select(AuditEntry).where(AuditEntry.action == "training_enrolment.read")).one()
    assert read.detail["owner_cccd"] == e.cccd and read.detail["purpose"] == "learner totals"
