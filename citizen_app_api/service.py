"""The citizen's notices: listing (filtered by the state they see), one notice, its document. Every read
goes through penalties.notices.access (owner, or the named driver once they accepted; the rest is "not
found") and is audited."""

from __future__ import annotations

import uuid
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, String, bindparam, func, or_, select
from sqlalchemy.orm import Session, joinedload

from citizen_app_api import views
from citizen_app_api.schemas import NoticeDetail, NoticeSummary
from core import audit
from core.errors import NotFound
from core.evidence import get_blob_store
from core.pagination import Page
from core.time import vn_today
from penalties.candidates.models import ViolationCandidate
from penalties.notices.access import audit_citizen_read, notice_for_citizen, visible_notice, visible_to
from penalties.notices.exceptions import NoticeNotFound
from penalties.notices.models import Notice, NoticeStatus
from penalties.notices.service import freeze_document

NOT_FOUND = "Không tìm thấy thông báo vi phạm / No such notice"


class CitizenStatus(StrEnum):
    """A notice's state as the citizen sees it (issued ones are not published yet)."""

    delivered = "delivered"
    acknowledged = "acknowledged"
    decided = "decided"
    paid = "paid"
    nominated_driver = "nominated_driver"
    disputed = "disputed"
    cancelled = "cancelled"
    overdue = "overdue"
    escalated = "escalated"
    transferred = "transferred"  # the owner's, once the driver they named accepted it


class DocumentAddressedToOwner(NotFound):
    """The notice document was addressed to the vehicle owner: a driver gets their own."""


def _filtered(kind: str) -> Select[Any]:
    """The notices of the citizen ``:cccd`` a status filter keeps: "all", "transferred" (an owner's whose
    named driver accepted) or "status" (in state ``:status``, not transferred away)."""
    cccd = bindparam("cccd", type_=String)
    query = select(*views.SUMMARY_COLUMNS, func.count().over().label("total")).join(
        ViolationCandidate, ViolationCandidate.id == Notice.candidate_id
    )
    query = query.where(visible_to(cccd))
    if kind == "transferred":
        query = query.where(Notice.driver_cccd.is_not(None) & (Notice.driver_cccd != cccd))
    elif kind == "status":
        mine = or_(Notice.driver_cccd.is_(None), Notice.driver_cccd == cccd)
        query = query.where(Notice.status == bindparam("status"), mine)
    return query


@cache
def _list_query(kind: str) -> Select[Any]:
    """A page of them, newest first (built once per kind: the citizen and the page are parameters)."""
    return (
        _filtered(kind)
        .order_by(Notice.issued_at.desc(), Notice.number)
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
    )


@cache
def _count_query(kind: str) -> Select[Any]:
    return select(func.count()).select_from(_filtered(kind).subquery())


def list_notices(
    session: Session, cccd: str, *, status: CitizenStatus | None, page: int, size: int
) -> Page[NoticeSummary]:
    """One page of the citizen's notices as the app shows them. The read is audited last, once the page
    is built (see penalties.notices.access.visible_notice: the audit chain's lock is held to the commit)."""
    kind = "all" if status is None else "transferred" if status is CitizenStatus.transferred else "status"
    params = {"cccd": cccd, "offset": (page - 1) * size, "limit": size}
    if kind == "status":
        params["status"] = NoticeStatus(str(status))
    # One statement: the page's columns with the count of all (a window over the rows before the limit),
    # on the session's connection (a column select gains nothing from the ORM's execution layer).
    db = session.connection()
    found = db.execute(_list_query(kind), params).all()
    rows = [views.NoticeFacts(*row[:-1]) for row in found]
    today = vn_today()
    if found:
        total = int(found[0].total)
    elif page > 1:  # past the last page: no row to carry the count
        total = db.scalar(_count_query(kind), params) or 0
    else:
        total = 0
    items = [views.summary(n, cccd, today=today) for n in rows]
    shown = Page[NoticeSummary](items=items, total=total, page=page, size=size)
    audit.record_read(
        session,
        actor=f"citizen:{cccd}",
        object_type="citizen",
        object_id=cccd,
        purpose="citizen app: my notices",
        notices=[str(n.id) for n in rows],
    )
    return shown


@cache
def _detail_query() -> Select[Notice]:
    """The notice with its candidate and camera in one statement (the detail shows all three), built once."""
    candidate_and_camera = joinedload(Notice.candidate, innerjoin=True).joinedload(
        ViolationCandidate.camera, innerjoin=True
    )
    return select(Notice).options(candidate_and_camera).where(Notice.id == bindparam("notice_id"))


def notice_detail(session: Session, notice_id: uuid.UUID, cccd: str) -> NoticeDetail:
    """One of the citizen's notices in full; the read is audited last, once the answer is built."""
    try:
        notice = visible_notice(session, notice_id, cccd, query=_detail_query())
    except NoticeNotFound:
        raise NoticeNotFound(NOT_FOUND) from None
    shown = views.detail(session, notice, cccd)
    audit_citizen_read(session, notice, cccd, purpose="notice detail")
    return shown


def my_notice(session: Session, notice_id: uuid.UUID, cccd: str, *, purpose: str) -> Notice:
    """The notice through the access rule, with a not-found message in Vietnamese and English."""
    try:
        return notice_for_citizen(session, notice_id, cccd, purpose=purpose)
    except NoticeNotFound:
        raise NoticeNotFound(NOT_FOUND) from None


def notice_document(session: Session, notice_id: uuid.UUID, cccd: str) -> tuple[Notice, bytes]:
    """The notice's PDF as issued (checked against its hash). It carries the owner's details, so only
    the owner gets it; a driver who accepted gets a notice of their own."""
    notice = my_notice(session, notice_id, cccd, purpose="notice PDF")
    if notice.owner_cccd != cccd:
        raise DocumentAddressedToOwner(
            "Văn bản thông báo gửi cho chủ phương tiện / The notice document was addressed to the owner"
        )
    sha = notice.document_sha256 or freeze_document(session, notice)
    return notice, get_blob_store().get(sha)
