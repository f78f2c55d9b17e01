"""A small violation history for the analytics tests: candidates on known Vietnam days and hours,
some reviewed, noticed, decided and paid, with the counts each event should add where."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.models import Role
from core.time import VN_TZ
from payments.models import Payment, PaymentStatus
from penalties.cameras.models import Camera
from penalties.candidates.models import CandidateStatus, ViolationCandidate
from penalties.decisions.models import Decision, DecisionNotice
from penalties.notices.models import Notice
from tests.support.factories import make_candidate, make_staff

DAY = date(2026, 11, 10)  # a Tuesday
NEXT = DAY + timedelta(days=1)


def vn(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), VN_TZ)


@dataclass
class History:
    """What was seeded: expected[(day, hour, camera code, violation code)][metric] = count."""

    expected: dict[tuple[date, int, str, str], Counter[str]] = field(default_factory=dict)

    def add(self, at: datetime, camera: str, code: str, metric: str) -> None:
        local = at.astimezone(VN_TZ)
        self.expected.setdefault((local.date(), local.hour, camera, code), Counter())[metric] += 1

    def total(self, metric: str, day: date | None = None) -> int:
        return sum(c[metric] for (d, *_), c in self.expected.items() if day is None or d == day)


def _province(session: Session, camera_code: str, province: str) -> None:
    session.execute(update(Camera).where(Camera.code == camera_code).values(province_code=province))


def seed_history(session: Session) -> History:
    """On DAY: a red light at 23:30 Vietnam time (16:30 UTC, still DAY in Vietnam) on CAM-A, confirmed at
    23:50, noticed, decided and paid the next morning; two speeding at 08:xx on CAM-B (province 29), one
    rejected; a red light at 00:10 on NEXT (17:10 UTC on DAY) on CAM-A, left pending."""
    h = History()
    boss = make_staff(session, Role.supervisor, username=f"boss-{secrets.token_hex(3)}")

    def candidate(at: datetime, camera: str, code: str) -> ViolationCandidate:
        made = make_candidate(session, camera_code=camera, code=code, detected_at=at, plate="51G12345")
        h.add(at, camera, code, "detected")
        return made

    late = candidate(vn(DAY, 23, 30), "CAM-A", "RED_LIGHT")
    speed1 = candidate(vn(DAY, 8, 5), "CAM-B", "SPEEDING")
    speed2 = candidate(vn(DAY, 8, 40), "CAM-B", "SPEEDING")
    candidate(vn(NEXT, 0, 10), "CAM-A", "RED_LIGHT")
    _province(session, "CAM-B", "29")

    def reviewed(c: ViolationCandidate, status: CandidateStatus, at: datetime, camera: str) -> None:
        c.status, c.reviewed_at, c.reviewed_by = status, at, "staff:test"
        h.add(at, camera, c.violation_code, "rejected" if status == CandidateStatus.rejected else "confirmed")

    reviewed(late, CandidateStatus.confirmed, vn(DAY, 23, 50), "CAM-A")
    reviewed(speed1, CandidateStatus.awaiting_registry, vn(NEXT, 9, 0), "CAM-B")
    reviewed(speed2, CandidateStatus.rejected, vn(NEXT, 9, 5), "CAM-B")

    noticed_at, decided_at, paid_at = vn(DAY, 23, 55), vn(NEXT, 7, 0), vn(NEXT, 10, 15)
    notice = Notice(
        number=f"TB-{secrets.token_hex(4)}",
        candidate_id=late.id,
        owner_cccd="079090123456",
        violation_code="RED_LIGHT",
        legal_basis="test",
        amount_vnd=4_000_000,
        issued_at=noticed_at,
        due_date=NEXT + timedelta(days=10),
    )
    session.add(notice)
    h.add(noticed_at, "CAM-A", "RED_LIGHT", "notices")
    decision = Decision(
        number=f"QD-{secrets.token_hex(4)}",
        cccd="079090123456",
        amount_vnd=4_000_000,
        legal_basis="test",
        issued_at=decided_at,
        issued_by=boss.id,
    )
    session.add(decision)
    session.flush()
    session.add(DecisionNotice(decision_id=decision.id, notice_id=notice.id, position=1))
    h.add(decided_at, "CAM-A", "RED_LIGHT", "decisions")
    for status, at in ((PaymentStatus.failed, vn(NEXT, 10, 0)), (PaymentStatus.succeeded, paid_at)):
        session.add(
            Payment(
                decision_id=decision.id,
                idempotency_key=secrets.token_hex(8),
                reference=secrets.token_hex(8),
                amount_vnd=4_000_000,
                gateway="fake",
                status=status,
                paid_at=at,
            )
        )
    h.add(paid_at, "CAM-A", "RED_LIGHT", "paid")  # the failed attempt counts for nothing
    session.flush()
    return h
