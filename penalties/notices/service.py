"""Issuing a notice (the owner and the assessment frozen in it, its document rendered once and stored
by hash, its delivery queued), reading one (every read is audited: it holds personal data) and
cancelling one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core import audit
from core.evidence import get_blob_store
from core.jobs import enqueue
from core.time import to_local
from penalties.candidates.models import EvidenceItem, EvidenceKind, ViolationCandidate
from penalties.law.assessment import Assessment
from penalties.notices.access import liable_cccd
from penalties.notices.exceptions import NoticeNotFound
from penalties.notices.models import Notice, NoticeStatus
from penalties.notices.notify import notify_citizen
from penalties.notices.states import check_transition
from registry.provider import VehicleRecord

PAYMENT_DAYS = 10  # Luật XLVPHC Art. 73(1)


def notice_number(issued_at: datetime) -> str:
    return f"TVP-{to_local(issued_at):%Y%m%d}-{uuid.uuid4().hex[:8].upper()}"


def issue_notice(
    session: Session,
    candidate: ViolationCandidate,
    vehicle: VehicleRecord,
    assessment: Assessment,
    aggravating: Sequence[str],
    mitigating: Sequence[str],
    *,
    now: datetime,
) -> Notice:
    """The notice for a confirmed candidate, with its delivery job in the caller's transaction."""
    notice = Notice(
        number=notice_number(now),
        candidate_id=candidate.id,
        owner_cccd=vehicle.owner.cccd,
        owner_snapshot={
            **vehicle.snapshot(),
            "assessment": {
                "law": assessment.law,
                "fine_min_vnd": assessment.fine_min_vnd,
                "fine_max_vnd": assessment.fine_max_vnd,
                "aggravating": list(aggravating),
                "mitigating": list(mitigating),
            },
        },
        violation_code=candidate.violation_code,
        legal_basis=assessment.legal_reference[:200],
        amount_vnd=assessment.amount_vnd,
        points=assessment.points,
        status=NoticeStatus.issued,
        issued_at=now,
        due_date=to_local(now).date() + timedelta(days=PAYMENT_DAYS),
    )
    session.add(notice)
    session.flush()
    freeze_document(session, notice)
    enqueue(session, "penalties.deliver_notice", {"notice_id": str(notice.id)}, key=f"deliver:{notice.id}")
    return notice


def read_notice(session: Session, notice_id: uuid.UUID, *, actor: str, purpose: str) -> Notice:
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NoticeNotFound(f"no notice {notice_id}")
    audit.record_read(
        session,
        actor=actor,
        object_type="notice",
        object_id=notice.id,
        purpose=purpose,
        owner_cccd=notice.owner_cccd,
    )
    return notice


def notice_frames(notice: Notice) -> list[EvidenceItem]:
    """The pictures a notice shows: the annotated frame and the plate crop."""
    return [i for i in notice.candidate.evidence if i.kind in (EvidenceKind.overlay, EvidenceKind.plate_crop)]


def freeze_document(session: Session, notice: Notice) -> str:
    """Render the notice's PDF once and keep it by hash: what the owner was sent stays what it was,
    whatever later happens to the rows it was made from."""
    from penalties.notices.pdf import render_notice_pdf

    store = get_blob_store()
    images = [store.get(i.sha256) for i in notice_frames(notice)]
    notice.document_sha256 = store.put(render_notice_pdf(notice, notice.candidate, images))
    session.flush()
    return notice.document_sha256


def notice_pdf(session: Session, notice_id: uuid.UUID, *, actor: str) -> tuple[Notice, bytes]:
    """The notice's PDF as issued, checked against its hash (the read is audited). A notice issued
    before documents were stored gets its document frozen at this first read."""
    notice = read_notice(session, notice_id, actor=actor, purpose="notice PDF")
    sha = notice.document_sha256 or freeze_document(session, notice)
    return notice, get_blob_store().get(sha)


def cancel_notice(session: Session, notice_id: uuid.UUID, *, reason: str, actor: str) -> Notice:
    """Cancel a notice (a dispute upheld, a wrong owner…): a final state, with the reason kept."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NoticeNotFound(f"no notice {notice_id}")
    check_transition(notice.status, NoticeStatus.cancelled)
    published = notice.status is not NoticeStatus.issued
    notice.status, notice.cancel_reason = NoticeStatus.cancelled, reason
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="notice.cancel",
        object_type="notice",
        object_id=notice.id,
        detail={"reason": reason},
    )
    if published:  # the citizen saw it: tell them why it is gone
        notify_citizen(session, liable_cccd(notice), "notice.cancelled", notice.id)
    return notice
