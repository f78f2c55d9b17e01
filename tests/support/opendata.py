"""Builders for open data tests: confirmed violations, with notices and decisions when asked, carrying
plates, CCCDs, names and numbers the tests then look for in the published files."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core.models import Role
from penalties.candidates.models import CandidateStatus
from penalties.decisions.models import Decision, DecisionNotice, DecisionStatus
from penalties.notices.models import Notice, NoticeStatus
from tests.support.factories import make_candidate, make_staff


def confirmed(
    db: Session,
    at: datetime,
    *,
    plate: str = "51G12345",
    code: str = "RED_LIGHT",
    vehicle_class: str = "car",
    camera_code: str = "HCM-Q1-001",
    notice: NoticeStatus | None = None,
    cccd: str = "079090000001",
    owner_name: str = "Nguyễn Văn An",
    decision: DecisionStatus | None = None,
) -> Notice | None:
    """A confirmed violation at ``at``; with ``notice`` a notice in that state, with ``decision`` one
    sanction decision over it."""
    candidate = make_candidate(
        db, plate=plate, code=code, detected_at=at, vehicle_class=vehicle_class, camera_code=camera_code
    )
    candidate.status = CandidateStatus.confirmed
    if notice is None:
        db.flush()
        return None
    row = Notice(
        number=f"TB-{secrets.token_hex(5).upper()}",
        candidate_id=candidate.id,
        owner_cccd=cccd,
        owner_snapshot={"full_name": owner_name, "cccd": cccd, "plate": plate},
        violation_code=code,
        legal_basis="ND 168/2024/NĐ-CP Art.6(9)(b)",
        amount_vnd=18_000_000,
        points=4,
        status=notice,
        issued_at=at + timedelta(hours=2),
        due_date=(at + timedelta(days=30)).date(),
    )
    db.add(row)
    db.flush()
    if decision is not None:
        made = Decision(
            number=f"QD-{secrets.token_hex(5).upper()}",
            cccd=cccd,
            amount_vnd=18_000_000,
            points={},
            legal_basis="ND 168/2024/NĐ-CP",
            status=decision,
            issued_at=at + timedelta(days=3),
            issued_by=make_staff(db, Role.supervisor).id,
        )
        db.add(made)
        db.flush()
        db.add(DecisionNotice(decision_id=made.id, notice_id=row.id, position=1))
        db.flush()
    return row
