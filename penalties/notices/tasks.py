"""Jobs of notices: delivery and the hourly legal clocks."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from core import audit
from core.jobs import enqueue, task
from core.jobs.schedule import periodic
from core.time import utc_now
from penalties.notices.access import liable_cccd
from penalties.notices.models import Notice, NoticeStatus
from penalties.notices.notify import notify_citizen
from penalties.notices.states import check_transition


@task("penalties.deliver_notice", max_attempts=10)
def deliver_notice(session: Session, *, notice_id: str) -> None:
    """Publish an issued notice to its owner's citizen-app inbox (GET /api/citizen/v1/notices)."""
    notice = session.get(Notice, uuid.UUID(notice_id))
    if notice is None or notice.status is not NoticeStatus.issued:
        return  # delivered already (a repeated job), or cancelled meanwhile
    check_transition(notice.status, NoticeStatus.delivered)
    notice.status = NoticeStatus.delivered
    audit.record(
        session,
        actor=audit.SYSTEM,
        action="notice.deliver",
        object_type="notice",
        object_id=notice.id,
        detail={"channel": "citizen-app inbox"},
    )
    notify_citizen(session, liable_cccd(notice), "notice.issued", notice.id)
    enqueue(
        session,
        "penalties.privacy_copies",
        {"candidate_id": str(notice.candidate_id)},
        key=f"privacy:{notice.candidate_id}",
    )


@periodic(timedelta(hours=1))
@task("penalties.legal_clocks", max_attempts=5)
def legal_clocks(session: Session, *, at: str | None = None) -> None:
    """Hourly: notice deadlines, unanswered notices, the limitation period, overdue payments."""
    from penalties.notices.clocks import run_all

    result = run_all(session, utc_now())
    audit.record(session, actor=audit.SYSTEM, action="clock.run", object_type="clocks", detail=result)
