"""Naming the driver (ND 168/2024 Art. 47(6)–(8)): the owner names another citizen; that citizen
accepts (the notice is theirs from then on, and the owner's is closed) or refuses; a refusal or no
answer within ``nomination_answer_days`` gives it back to the owner, who must then answer it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.config import get_settings
from core.time import to_local
from penalties.notices.models import Notice, NoticeStatus
from penalties.notices.notify import notify_citizen
from penalties.notices.service import PAYMENT_DAYS
from penalties.notices.states import check_transition
from penalties.responses.exceptions import (
    NominationAnswered,
    NominationNotAllowed,
    NominationNotFound,
    NomineeUnknown,
)
from penalties.responses.models import Nomination, NominationStatus
from penalties.responses.service import is_organisation
from registry.models import Citizen


def nominate(
    session: Session, notice: Notice, *, owner_cccd: str, driver_cccd: str, now: datetime
) -> Nomination:
    """The owner names ``driver_cccd``; the notice waits for that citizen's answer."""
    if owner_cccd != notice.owner_cccd or notice.driver_cccd is not None:
        raise NominationNotAllowed("only the owner may name the driver, and only before a driver accepted")
    if driver_cccd == owner_cccd:
        raise NominationNotAllowed("name another citizen: you answer for the notice yourself otherwise")
    if session.scalar(select(Citizen.id).where(Citizen.cccd == driver_cccd)) is None:
        raise NomineeUnknown(f"no citizen with CCCD {driver_cccd} in the registry")
    earlier = session.scalar(select(Nomination.id).where(Nomination.notice_id == notice.id).limit(1))
    if earlier is not None and not is_organisation(notice):
        raise NominationNotAllowed("a driver was named for this notice already; acknowledge or dispute it")
    check_transition(notice.status, NoticeStatus.nominated_driver)
    nomination = Nomination(
        notice_id=notice.id,
        owner_cccd=owner_cccd,
        driver_cccd=driver_cccd,
        status=NominationStatus.pending,
        answer_by=now + timedelta(days=get_settings().nomination_answer_days),
    )
    session.add(nomination)
    notice.status = NoticeStatus.nominated_driver
    session.flush()
    audit.record(
        session,
        actor=f"citizen:{owner_cccd}",
        action="nomination.create",
        object_type="notice",
        object_id=notice.id,
        detail={"nomination": str(nomination.id), "driver_cccd": driver_cccd},
    )
    notify_citizen(session, driver_cccd, "nomination.received", nomination.id)
    return nomination


def pending_for(session: Session, cccd: str) -> Sequence[Nomination]:
    """The nominations waiting for this citizen's answer, oldest first (the read is audited)."""
    rows = session.scalars(
        select(Nomination)
        .where(Nomination.driver_cccd == cccd, Nomination.status == NominationStatus.pending)
        .order_by(Nomination.created_at)
    ).all()
    for row in rows:
        audit.record_read(
            session,
            actor=f"citizen:{cccd}",
            object_type="notice",
            object_id=row.notice_id,
            purpose="citizen app: a nomination naming me",
            owner_cccd=row.owner_cccd,
        )
    return rows


def _back_to_owner(session: Session, nomination: Nomination, status: NominationStatus, now: datetime) -> None:
    """Refused or expired: the owner answers for the notice, with the days it waited given back."""
    notice = nomination.notice
    check_transition(notice.status, NoticeStatus.delivered)
    waited = (to_local(now).date() - to_local(nomination.created_at).date()).days
    notice.status = NoticeStatus.delivered
    notice.due_date = notice.due_date + timedelta(days=waited)
    nomination.status, nomination.answered_at = status, now


def answer(
    session: Session, nomination_id: uuid.UUID, *, cccd: str, accept: bool, now: datetime
) -> Nomination:
    """The named citizen accepts or refuses; anyone else gets NominationNotFound (404)."""
    nomination = session.get(Nomination, nomination_id)
    if nomination is None or nomination.driver_cccd != cccd:
        raise NominationNotFound(f"no nomination {nomination_id}")
    if nomination.status is not NominationStatus.pending or now >= nomination.answer_by:
        raise NominationAnswered(
            f"the nomination is {nomination.status} (answer by {nomination.answer_by:%Y-%m-%d})"
        )
    notice = nomination.notice
    if accept:
        check_transition(notice.status, NoticeStatus.delivered)
        notice.status, notice.driver_cccd = NoticeStatus.delivered, cccd
        # The driver receives the notice now: their days to pay start today (Luật XLVPHC Art. 73).
        notice.due_date = max(notice.due_date, to_local(now).date() + timedelta(days=PAYMENT_DAYS))
        nomination.status, nomination.answered_at = NominationStatus.accepted, now
    else:
        _back_to_owner(session, nomination, NominationStatus.refused, now)
    session.flush()
    audit.record(
        session,
        actor=f"citizen:{cccd}",
        action=f"nomination.{nomination.status}",
        object_type="notice",
        object_id=notice.id,
        detail={"nomination": str(nomination.id)},
    )
    notify_citizen(session, nomination.owner_cccd, "nomination.answered", nomination.id)
    return nomination


def expire_nominations(session: Session, now: datetime) -> int:
    """Give back to their owners the notices whose named driver did not answer in time."""
    late = session.scalars(
        select(Nomination).where(Nomination.status == NominationStatus.pending, Nomination.answer_by <= now)
    ).all()
    for nomination in late:
        _back_to_owner(session, nomination, NominationStatus.expired, now)
        audit.record(
            session,
            actor=audit.SYSTEM,
            action="nomination.expired",
            object_type="notice",
            object_id=nomination.notice_id,
            detail={"nomination": str(nomination.id)},
        )
        notify_citizen(session, nomination.owner_cccd, "nomination.answered", nomination.id)
    session.flush()
    return len(late)
