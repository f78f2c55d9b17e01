"""Data for the citizen app's end-to-end test: notices with a real evidence package (files, manifest,
camera chain link) confirmed by a reviewer through the review flow, then delivered to the owner's app."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from core.models import Role
from core.time import utc_now
from penalties.notices.models import Notice, NoticeStatus
from penalties.review.service import Decision, claim, confirm
from registry.models import Citizen
from tests.support.citizen_notices import evidence_candidate
from tests.support.factories import make_staff


def reviewed_notice(session: Session, owner: Citizen, plate: str, *, index: int) -> Notice:
    """A red-light notice for ``plate`` (registered to ``owner``), its evidence recorded as a camera does,
    confirmed by a reviewer and delivered; flushed. ``index`` keeps the events hours apart."""
    at = utc_now() - timedelta(days=1, hours=index)
    candidate = evidence_candidate(session, plate, at=at, index=index)
    reviewer = make_staff(session, Role.reviewer)
    session.flush()
    actor = f"staff:{reviewer.id}"
    claim(session, candidate.id, actor=actor)
    notice = confirm(session, candidate.id, Decision(), actor=actor).notice
    assert notice is not None and notice.owner_cccd == owner.cccd
    # Delivered here, as the delivery job would (the server's job then finds it delivered already).
    notice.status = NoticeStatus.delivered
    session.flush()
    return notice
