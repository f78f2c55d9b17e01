"""Explaining or disputing a notice (giải trình): text and cleaned attachments, decided by a
supervisor (upheld, cancelled, amended). The notice's clocks stop while the dispute is open: on close
its due date moves by the days it was open."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.evidence import get_blob_store
from core.time import to_local
from penalties.notices.models import Notice, NoticeStatus
from penalties.notices.notify import notify_citizen
from penalties.notices.service import cancel_notice
from penalties.notices.states import check_transition
from penalties.responses.attachments import CleanFile
from penalties.responses.exceptions import (
    AlreadyDisputed,
    AmountOutsideRange,
    DisputeDecided,
    DisputeNotFound,
)
from penalties.responses.models import Dispute, DisputeAttachment, DisputeStatus
from penalties.responses.service import check_liable


def open_dispute(
    session: Session, notice: Notice, *, cccd: str, text: str, files: Sequence[CleanFile], now: datetime
) -> Dispute:
    """The liable citizen's dispute, its files stored in the evidence store; the notice is disputed."""
    check_liable(notice, cccd)
    check_transition(notice.status, NoticeStatus.disputed)
    if session.scalar(select(Dispute.id).where(Dispute.notice_id == notice.id, Dispute.cccd == cccd)):
        # One explanation per person and notice: the clocks cannot be stopped again and again.
        # After the decision the citizen may still complain (Law on Complaints) or sue.
        raise AlreadyDisputed(f"notice {notice.number} was already disputed and decided")
    dispute = Dispute(notice_id=notice.id, cccd=cccd, text=text, status=DisputeStatus.open, opened_at=now)
    session.add(dispute)
    session.flush()
    store = get_blob_store()
    for position, file in enumerate(files):
        session.add(
            DisputeAttachment(
                dispute_id=dispute.id,
                position=position,
                filename=file.filename,
                sha256=store.put(file.data),
                content_type=file.content_type,
                size_bytes=len(file.data),
            )
        )
    notice.status = NoticeStatus.disputed
    session.flush()
    audit.record(
        session,
        actor=f"citizen:{cccd}",
        action="dispute.open",
        object_type="notice",
        object_id=notice.id,
        detail={"dispute": str(dispute.id), "attachments": len(files)},
    )
    return dispute


def open_queue(session: Session, *, page: int, size: int) -> tuple[Sequence[Dispute], int]:
    """Open disputes, oldest first."""
    where = Dispute.status == DisputeStatus.open
    total = session.scalar(select(func.count()).select_from(Dispute).where(where)) or 0
    rows = session.scalars(
        select(Dispute)
        .where(where)
        .order_by(Dispute.opened_at, Dispute.id)
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return rows, total


def read_dispute(session: Session, dispute_id: uuid.UUID, *, actor: str, purpose: str) -> Dispute:
    """A dispute (the read is audited: it holds the citizen's words and files)."""
    dispute = session.get(Dispute, dispute_id)
    if dispute is None:
        raise DisputeNotFound(f"no dispute {dispute_id}")
    audit.record_read(
        session,
        actor=actor,
        object_type="dispute",
        object_id=dispute.id,
        purpose=purpose,
        owner_cccd=dispute.cccd,
    )
    return dispute


def attachment(
    session: Session, dispute_id: uuid.UUID, attachment_id: uuid.UUID, *, actor: str
) -> tuple[DisputeAttachment, bytes]:
    dispute = read_dispute(session, dispute_id, actor=actor, purpose="dispute attachment")
    found = next((a for a in dispute.attachments if a.id == attachment_id), None)
    if found is None:
        raise DisputeNotFound(f"dispute {dispute_id} has no attachment {attachment_id}")
    return found, get_blob_store().get(found.sha256)


def disputes_of(session: Session, notice: Notice, cccd: str) -> Sequence[Dispute]:
    """The disputes this citizen raised on the notice, newest first."""
    return session.scalars(
        select(Dispute)
        .where(Dispute.notice_id == notice.id, Dispute.cccd == cccd)
        .order_by(Dispute.opened_at.desc())
    ).all()


def legal_range(notice: Notice) -> tuple[int, int]:
    """The fine range of the provision, as frozen in the notice when it was issued."""
    frozen = (notice.owner_snapshot or {}).get("assessment") or {}
    low, high = frozen.get("fine_min_vnd"), frozen.get("fine_max_vnd")
    if not isinstance(low, int) or not isinstance(high, int):
        raise AmountOutsideRange("the notice does not record its legal range; cancel and reissue it instead")
    return low, high


def decide(
    session: Session,
    dispute_id: uuid.UUID,
    *,
    outcome: DisputeStatus,
    reason: str,
    amount_vnd: int | None,
    actor: str,
    now: datetime,
) -> Dispute:
    """Close an open dispute: upheld or amended (the notice is open again, its due date moved by the
    days the dispute was open) or cancelled (the notice is cancelled with the reason)."""
    dispute = session.get(Dispute, dispute_id)
    if dispute is None:
        raise DisputeNotFound(f"no dispute {dispute_id}")
    if dispute.status is not DisputeStatus.open:
        raise DisputeDecided(f"the dispute was {dispute.status} already")
    notice = dispute.notice
    paused = max(0, (to_local(now).date() - to_local(dispute.opened_at).date()).days)
    if outcome is DisputeStatus.cancelled:
        cancel_notice(session, notice.id, reason=reason, actor=actor)
    elif outcome in (DisputeStatus.upheld, DisputeStatus.amended):
        check_transition(notice.status, NoticeStatus.delivered)
        if outcome is DisputeStatus.amended:
            low, high = legal_range(notice)
            if amount_vnd is None or not low <= amount_vnd <= high:
                raise AmountOutsideRange(
                    f"the amount must be within {low:,}–{high:,} VND ({notice.legal_basis})"
                )
            dispute.amount_before_vnd, dispute.amount_after_vnd = notice.amount_vnd, amount_vnd
            notice.amount_vnd = amount_vnd
        notice.status = NoticeStatus.delivered
        notice.due_date = notice.due_date + timedelta(days=paused)
    else:
        raise DisputeDecided(f"{outcome} is not a decision")
    dispute.status, dispute.reason, dispute.decided_by = outcome, reason, actor
    dispute.closed_at, dispute.paused_days = now, paused
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"dispute.{outcome}",
        object_type="notice",
        object_id=notice.id,
        detail={
            "dispute": str(dispute.id),
            "reason": reason,
            "paused_days": paused,
            "amount_vnd": dispute.amount_after_vnd,
        },
    )
    notify_citizen(session, dispute.cccd, "dispute.decided", dispute.id)
    return dispute
