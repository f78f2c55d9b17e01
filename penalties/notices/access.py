"""Which notices a citizen may see: the owner's, and a named driver's once they accepted it. Anything
else is "not found", with the same answer as an id that does not exist (no hint that it does)."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, or_
from sqlalchemy.orm import Session

from core import audit
from penalties.notices.exceptions import NoticeNotFound
from penalties.notices.models import Notice, NoticeStatus


def visible_to(cccd: str | ColumnElement[str]) -> ColumnElement[bool]:
    """The SQL condition for the notices a citizen may see (issued ones are not published yet); ``cccd``
    may be a bound parameter, for a statement built once."""
    return or_(Notice.owner_cccd == cccd, Notice.driver_cccd == cccd) & (Notice.status != NoticeStatus.issued)


def is_visible(notice: Notice, cccd: str) -> bool:
    return notice.status is not NoticeStatus.issued and cccd in (notice.owner_cccd, notice.driver_cccd)


def liable_cccd(notice: Notice) -> str:
    """Who answers for the notice now: the accepted driver, else the owner."""
    return notice.driver_cccd or notice.owner_cccd


def notice_for_citizen(session: Session, notice_id: uuid.UUID, cccd: str, *, purpose: str) -> Notice:
    """The notice if this citizen may see it (the read is audited), else NoticeNotFound (404)."""
    notice = visible_notice(session, notice_id, cccd)
    audit_citizen_read(session, notice, cccd, purpose=purpose)
    return notice


def visible_notice(
    session: Session, notice_id: uuid.UUID, cccd: str, *, query: Select[Notice] | None = None
) -> Notice:
    """The notice if this citizen may see it, else NoticeNotFound (404); NOT audited: the caller audits
    the read with ``audit_citizen_read`` once it has built its answer, as the last statement before the
    commit. The audit chain's head row stays locked from the audit to the commit, and every audited read
    waits for it: building the answer inside that lock made every reader wait for it too. ``query``: the
    notice's select (its id the parameter ``notice_id``) with loader options for what the caller reads of
    it next, built once by the caller; by default the notice alone."""
    if query is None:
        notice = session.get(Notice, notice_id)
    else:
        notice = session.execute(query, {"notice_id": notice_id}).unique().scalar_one_or_none()
    if notice is None or not is_visible(notice, cccd):
        raise NoticeNotFound(f"no notice {notice_id}")
    return notice


def audit_citizen_read(session: Session, notice: Notice, cccd: str, *, purpose: str) -> None:
    audit.record_read(
        session,
        actor=f"citizen:{cccd}",
        object_type="notice",
        object_id=notice.id,
        purpose=f"citizen app: {purpose}",
        owner_cccd=notice.owner_cccd,
    )
