"""The postal fallback: a published notice whose receipt nobody confirmed within N days goes by post
(the law still allows it). Flagged once, audited, listed for supervisors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citizen_app_api.delivery.models import Delivery, PostalFlag
from core import audit
from core.config import get_settings
from penalties.notices.access import liable_cccd
from penalties.notices.models import Notice, NoticeStatus

# Published and still waiting for the citizen; a payment, a dispute or a nomination shows receipt.
AWAITING_RECEIPT = (NoticeStatus.delivered, NoticeStatus.overdue)


def flag_for_post(session: Session, now: datetime) -> int:
    cutoff = now - timedelta(days=get_settings().delivery_postal_days)
    notices = session.scalars(
        select(Notice).where(
            Notice.status.in_(AWAITING_RECEIPT),
            Notice.received_at.is_(None),
            Notice.issued_at <= cutoff,
            ~select(PostalFlag.id).where(PostalFlag.notice_id == Notice.id).exists(),
        )
    ).all()
    for notice in notices:
        tried = session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.object_id == str(notice.id))
        )
        flag = PostalFlag(
            notice_id=notice.id,
            cccd=liable_cccd(notice),
            flagged_at=now,
            published_at=notice.issued_at,
            deliveries=tried or 0,
        )
        session.add(flag)
        audit.record(
            session,
            actor=audit.SYSTEM,
            action="notice.postal_flag",
            object_type="notice",
            object_id=notice.id,
            detail={"days": get_settings().delivery_postal_days, "app_deliveries": tried or 0},
        )
    session.flush()
    return len(notices)


def list_postal(session: Session, *, page: int, size: int) -> tuple[Sequence[tuple[PostalFlag, str]], int]:
    total = session.scalar(select(func.count()).select_from(PostalFlag)) or 0
    rows = session.execute(
        select(PostalFlag, Notice.number)
        .join(Notice, Notice.id == PostalFlag.notice_id)
        .order_by(PostalFlag.flagged_at, Notice.number)
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return [(flag, number) for flag, number in rows], total
