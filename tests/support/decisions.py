"""Builders for decision tests: open notices issued through the review flow, then delivered or moved
to the state a test needs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Role
from core.plugins import load_tasks
from core.time import utc_now
from detection.vehicles import VehicleClass
from penalties.notices.models import Notice, NoticeStatus
from penalties.review.service import Decision, claim, confirm
from registry.models import Citizen, Vehicle
from tests.support.factories import make_candidate, make_staff, make_vehicle

MOTORBIKE_PLATE = ("59X112345", "59-X1 123.45")


def open_notice(
    db: Session,
    owner: Citizen,
    *,
    plate: str = "51G12345",
    code: str = "RED_LIGHT",
    vehicle_class: VehicleClass = VehicleClass.car,
    status: NoticeStatus = NoticeStatus.delivered,
    detected_at: datetime | None = None,
    amount_vnd: int | None = None,
) -> Notice:
    """A notice for ``owner``'s vehicle ``plate`` (registered here if new), confirmed by a reviewer and
    set to ``status``; committed."""
    load_tasks()  # the confirmation enqueues the notice's delivery job
    if db.scalar(select(Vehicle.id).where(Vehicle.plate == plate)) is None:
        display = MOTORBIKE_PLATE[1] if plate == MOTORBIKE_PLATE[0] else plate
        make_vehicle(db, owner, plate=plate, display=display, vehicle_type=vehicle_class)
    reviewer = make_staff(db, Role.reviewer)
    at = detected_at or utc_now() - timedelta(days=2)
    candidate = make_candidate(db, plate=plate, code=code, detected_at=at, vehicle_class=vehicle_class.value)
    db.commit()
    actor = f"staff:{reviewer.id}"
    claim(db, candidate.id, actor=actor)
    notice = confirm(db, candidate.id, Decision(amount_vnd=amount_vnd), actor=actor).notice
    assert notice is not None
    notice.status = status
    db.commit()
    return notice


def supervisor_id(db: Session) -> str:
    """A supervisor's user id (for issuing decisions through the service)."""
    user = make_staff(db, Role.supervisor)
    db.commit()
    return str(user.id)
