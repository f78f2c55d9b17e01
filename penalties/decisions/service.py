"""Issuing a sanction decision over one or more notices of one liable person (amount = the sum of the
fines, points = the largest deduction per licence class, the points recorded as it takes effect, its
documents frozen by hash, the citizen told), reading one (audited) and confirming its receipt, which
starts the 10 days to pay."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session, selectinload

from core import audit
from core.evidence import get_blob_store
from core.models import User
from core.time import format_local, to_local
from detection.vehicles import VehicleClass
from penalties.decisions.document import PAYMENT_DAYS, DecisionDocument, ViolationLine, render_decision_html
from penalties.decisions.exceptions import (
    DecisionNotFound,
    LicenceClassUnknown,
    NoticeAlreadyDecided,
    NoticeNotDecidable,
    SeveralLiablePersons,
)
from penalties.decisions.ledger import record_deductions
from penalties.decisions.models import Decision, DecisionNotice, DecisionStatus, LicenceClass
from penalties.law.assessment import Assessment
from penalties.law.points import points_for
from penalties.notices.access import liable_cccd
from penalties.notices.exceptions import NoticeNotFound
from penalties.notices.models import Notice, NoticeStatus
from penalties.notices.notify import notify_citizen
from penalties.notices.states import check_transition
from penalties.notices.words import notice_words
from penalties.responses.service import acknowledgement_summary, is_organisation
from registry.models import Citizen

# Acknowledged, or the owner liable by default: delivered (or overdue) and no driver named.
# A nomination pending (nominated_driver) or a dispute open (disputed) must be settled first.
DECIDABLE = frozenset({NoticeStatus.acknowledged, NoticeStatus.delivered, NoticeStatus.overdue})


def decision_number(issued_at: datetime) -> str:
    return f"QĐ-{to_local(issued_at):%Y%m%d}-{uuid.uuid4().hex[:8].upper()}"


def licence_class_of(notice: Notice) -> LicenceClass | None:
    """The licence that answers for the violation, by the vehicle's class (cars: B…, motorbikes: A…)."""
    for word in (notice.candidate.vehicle_class, notice.owner_snapshot.get("vehicle_type")):
        found = VehicleClass.fined(word)
        if found is not None and found.fine_category is not None:
            return LicenceClass(found.fine_category.value)
    return None


def _assessment(notice: Notice, cls: LicenceClass | None) -> Assessment:
    """The notice's assessment as it was frozen in it (what penalties.law.points works on)."""
    frozen = notice.owner_snapshot.get("assessment", {})
    return Assessment(
        code=notice.violation_code,
        vehicle_class=str(cls or ""),
        law=str(frozen.get("law", "")),
        legal_reference=notice.legal_basis,
        fine_min_vnd=int(frozen.get("fine_min_vnd", notice.amount_vnd)),
        fine_max_vnd=int(frozen.get("fine_max_vnd", notice.amount_vnd)),
        amount_vnd=notice.amount_vnd,
        points=notice.points,
    )


def _decidable_notices(session: Session, notice_ids: Sequence[uuid.UUID]) -> list[Notice]:
    ids = list(dict.fromkeys(notice_ids))
    found = {n.id: n for n in session.scalars(select(Notice).where(Notice.id.in_(ids)).with_for_update())}
    notices = []
    for notice_id in ids:
        notice = found.get(notice_id)
        if notice is None:
            raise NoticeNotFound(f"no notice {notice_id}")
        if notice.status is NoticeStatus.decided:
            raise NoticeAlreadyDecided(f"already covered by a decision: {notice.number}")
        if notice.status not in DECIDABLE:
            raise NoticeNotDecidable(
                f"notice {notice.number} is {notice.status}: only acknowledged notices, or delivered or "
                f"overdue ones with no driver named, can be decided"
            )
        notices.append(notice)
    taken = session.scalars(select(Notice.number).where(Notice.id.in_(ids), already_decided())).all()
    if taken:
        raise NoticeAlreadyDecided(f"already covered by a decision: {', '.join(sorted(taken))}")
    people = {liable_cccd(n) for n in notices}
    if len(people) > 1:
        raise SeveralLiablePersons("the notices have different liable persons: one decision per person")
    return notices


def _organisation_liable(notice: Notice) -> bool:
    return is_organisation(notice) and notice.driver_cccd is None


def _signed_acknowledgement(session: Session, notices: Sequence[Notice]) -> dict[str, Any] | None:
    """The citizen's signed acknowledgement shown on the decision (the first notice that has one),
    verified at issue."""
    for notice in notices:
        found = acknowledgement_summary(session, notice.id)
        if found is not None:
            return found
    return None


def issue_decision(
    session: Session,
    notice_ids: Sequence[uuid.UUID],
    *,
    issued_by: uuid.UUID,
    now: datetime,
    acknowledgement: dict[str, Any] | None = None,
) -> Decision:
    """The decision over ``notice_ids``, its points deducted (effect on the issue day, Law 36 Art. 58(1)),
    its documents stored and the citizen told, all in the caller's transaction."""
    notices = _decidable_notices(session, notice_ids)
    classes = [licence_class_of(n) for n in notices]
    # An organisation that named no driver is fined as an organisation (ND 168 Art. 47(8)(b)): it has
    # no licence, so no points leave its representative's.
    on_a_licence = [(n, c) for n, c in zip(notices, classes, strict=True) if not _organisation_liable(n)]
    points: dict[LicenceClass, int] = {}
    for cls in {c for _, c in on_a_licence if c is not None}:
        points[cls] = points_for([_assessment(n, c) for n, c in on_a_licence if c is cls])
    unknown = [n.number for n, c in on_a_licence if c is None and n.points]
    if unknown:
        raise LicenceClassUnknown(f"no licence class for the vehicle of {', '.join(unknown)}")
    decision = Decision(
        number=decision_number(now),
        cccd=liable_cccd(notices[0]),
        amount_vnd=sum(n.amount_vnd for n in notices),
        points={str(c): p for c, p in sorted(points.items()) if p},
        legal_basis=" | ".join(dict.fromkeys(n.legal_basis for n in notices))[:2000],
        status=DecisionStatus.issued,
        issued_at=now,
        issued_by=issued_by,
    )
    decision.items = [
        DecisionNotice(notice=notice, position=position, licence_class=cls)
        for position, (notice, cls) in enumerate(zip(notices, classes, strict=True))
    ]
    session.add(decision)
    for notice in notices:  # answers close: no driver named, disputed or acknowledged after this
        check_transition(notice.status, NoticeStatus.decided)
        notice.status = NoticeStatus.decided
    session.flush()
    deducted = record_deductions(session, decision, points, effective_on=to_local(now).date())
    if acknowledgement is None:
        acknowledgement = _signed_acknowledgement(session, notices)
    freeze_documents(session, decision, acknowledgement)
    audit.record(
        session,
        actor=f"staff:{issued_by}",
        action="decision.issue",
        object_type="decision",
        object_id=decision.id,
        detail={
            "notices": [n.number for n in notices],
            "amount_vnd": decision.amount_vnd,
            "points": decision.points,
        },
    )
    notify_citizen(session, decision.cccd, "decision.issued", decision.id)
    if deducted:
        notify_citizen(session, decision.cccd, "points.changed", decision.id)
    return decision


def document_of(
    session: Session, decision: Decision, acknowledgement: dict[str, Any] | None
) -> DecisionDocument:
    issuer = session.get(User, decision.issued_by)
    citizen = session.scalar(select(Citizen).where(Citizen.cccd == decision.cccd))
    first = decision.items[0].notice
    owner = first.owner_snapshot.get("owner", {})
    lines = []
    for item in decision.items:
        n, c = item.notice, item.notice.candidate
        words = notice_words(n)
        lines.append(
            ViolationLine(
                notice_number=n.number,
                violation_code=n.violation_code,
                name_vi=words.name_vi if words.known else f"{n.violation_code} ({words.note('vi')})",
                name_en=words.name_en if words.known else f"{n.violation_code} ({words.note('en')})",
                law=words.law if words.known else None,
                fine_range=words.fine_range(),
                committed_at=format_local(c.detected_at, "%d/%m/%Y %H:%M:%S"),
                place=f"{c.camera.name}, {c.camera.road}",
                vehicle=str(n.owner_snapshot.get("plate_display") or c.plate or ""),
                legal_basis=n.legal_basis,
                amount_vnd=n.amount_vnd,
                points=n.points,
                licence_class=None if item.licence_class is None else str(item.licence_class),
            )
        )
    return DecisionDocument(
        number=decision.number,
        issued_at=format_local(decision.issued_at),
        issuer=issuer.full_name if issuer is not None else str(decision.issued_by),
        person_name=citizen.full_name if citizen is not None else str(owner.get("full_name", "")),
        person_cccd=decision.cccd,
        person_address=citizen.address if citizen is not None else str(owner.get("address", "")),
        violations=lines,
        amount_vnd=decision.amount_vnd,
        points=dict(decision.points),
        acknowledgement=acknowledgement,
    )


def freeze_documents(session: Session, decision: Decision, acknowledgement: dict[str, Any] | None) -> None:
    """Render the PDF and the HTML once and keep them by hash: what was issued stays what it was."""
    from penalties.decisions.pdf import render_decision_pdf

    doc = document_of(session, decision, acknowledgement)
    store = get_blob_store()
    decision.document_sha256 = store.put(render_decision_pdf(doc))
    decision.html_sha256 = store.put(render_decision_html(doc).encode())
    session.flush()


def read_decision(session: Session, decision_id: uuid.UUID, *, actor: str, purpose: str) -> Decision:
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise DecisionNotFound(f"no decision {decision_id}")
    _record_read(session, decision, actor=actor, purpose=purpose)
    return decision


def decision_for_citizen(session: Session, decision_id: uuid.UUID, cccd: str, *, purpose: str) -> Decision:
    """The decision if this citizen is the person sanctioned (the read is audited), else 404, the same
    answer as an id that does not exist."""
    decision = session.get(Decision, decision_id)
    if decision is None or decision.cccd != cccd:
        raise DecisionNotFound(f"no decision {decision_id}")
    _record_read(session, decision, actor=f"citizen:{cccd}", purpose=f"citizen app: {purpose}")
    return decision


def _record_read(session: Session, decision: Decision, *, actor: str, purpose: str) -> None:
    audit.record_read(
        session,
        actor=actor,
        object_type="decision",
        object_id=decision.id,
        purpose=purpose,
        owner_cccd=decision.cccd,
    )


def document_bytes(decision: Decision, kind: str) -> bytes:
    """The stored document as issued ("pdf" or "html"), checked against its hash by the store."""
    sha = decision.document_sha256 if kind == "pdf" else decision.html_sha256
    if sha is None:
        raise DecisionNotFound(f"decision {decision.number} has no stored {kind} document")
    return get_blob_store().get(sha)


def list_decisions(
    session: Session, *, status: DecisionStatus | None, page: int, size: int, number: str | None = None
) -> tuple[Sequence[Decision], int]:
    """Newest first; ``number`` matches any part of the decision number, in any letter case."""
    query = select(Decision).options(selectinload(Decision.items))
    if status is not None:
        query = query.where(Decision.status == status)
    if number:
        query = query.where(func.upper(Decision.number).contains(number.strip().upper(), autoescape=True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Decision.issued_at.desc(), Decision.number).offset((page - 1) * size).limit(size)
    ).all()
    return rows, total


def liable_in_sql() -> ColumnElement[str]:
    """Who answers for a notice, in SQL: the same rule as penalties.notices.access.liable_cccd."""
    return func.coalesce(Notice.driver_cccd, Notice.owner_cccd)


def already_decided() -> ColumnElement[bool]:
    """The notice is covered by a decision in force (one not cancelled)."""
    return exists().where(
        DecisionNotice.notice_id == Notice.id,
        DecisionNotice.decision_id == Decision.id,
        Decision.status != DecisionStatus.cancelled,
    )


def open_for_decision() -> ColumnElement[bool]:
    """The notices issue_decision accepts: a DECIDABLE status and no decision in force covering them."""
    return Notice.status.in_(DECIDABLE) & ~already_decided()


@dataclass(frozen=True)
class PersonToDecide:
    cccd: str
    name: str
    notices: list[Notice]

    @property
    def amount_vnd(self) -> int:
        return sum(n.amount_vnd for n in self.notices)


def people_to_decide(
    session: Session, *, cccd: str | None, page: int, size: int
) -> tuple[list[PersonToDecide], int]:
    """The liable persons with notices open for a decision (the longest waiting first), each with all of
    theirs, and how many such persons there are. The caller audits the read."""
    liable = liable_in_sql()
    where = [open_for_decision()] + ([liable == cccd] if cccd else [])
    total = session.scalar(select(func.count(func.distinct(liable))).where(*where)) or 0
    people = session.scalars(
        select(liable)
        .where(*where)
        .group_by(liable)
        .order_by(func.min(Notice.issued_at), liable)
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    notices = session.scalars(
        select(Notice)
        .options(selectinload(Notice.candidate))
        .where(open_for_decision(), liable.in_(people))
        .order_by(Notice.issued_at, Notice.number)
    ).all()
    names = dict(
        session.execute(select(Citizen.cccd, Citizen.full_name).where(Citizen.cccd.in_(people))).all()
    )
    groups = []
    for person in people:
        theirs = [n for n in notices if liable_cccd(n) == person]
        fallback = str(theirs[0].owner_snapshot.get("owner", {}).get("full_name", "")) if theirs else ""
        groups.append(PersonToDecide(person, names.get(person) or fallback, theirs))
    return groups, total


def person_name(session: Session, cccd: str) -> str:
    """The registered name of the person a decision is for ("" if the registry has none)."""
    return session.scalar(select(Citizen.full_name).where(Citizen.cccd == cccd)) or ""


def decisions_of(session: Session, cccd: str) -> Sequence[Decision]:
    return session.scalars(
        select(Decision)
        .options(selectinload(Decision.items))
        .where(Decision.cccd == cccd)
        .order_by(Decision.issued_at.desc())
    ).all()


def due_date_from(delivered_at: datetime) -> date:
    """The last day to pay: 10 days from the Vietnam calendar day of receipt (Luật XLVPHC Art. 73(1))."""
    return to_local(delivered_at).date() + timedelta(days=PAYMENT_DAYS)


def confirm_receipt(session: Session, decision: Decision, *, actor: str, now: datetime) -> Decision:
    """The first confirmed receipt starts the 10 days to pay; a repeated one changes nothing."""
    if decision.delivered_at is None:
        decision.delivered_at, decision.due_date = now, due_date_from(now)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="decision.receipt",
            object_type="decision",
            object_id=decision.id,
            detail={"due_date": decision.due_date.isoformat()},
        )
    return decision


def mark_paid(session: Session, decision: Decision, *, actor: str, now: datetime) -> bool:
    """issued → paid, and every notice it covers → paid (penalties.notices.states). False if it already
    was paid (a settlement run twice changes nothing)."""
    from penalties.decisions.exceptions import DecisionClosed
    from penalties.notices.states import check_transition

    if decision.status is DecisionStatus.paid:
        return False
    if decision.status is not DecisionStatus.issued:
        raise DecisionClosed(f"decision {decision.number} is {decision.status}")
    decision.status = DecisionStatus.paid
    for item in decision.items:
        notice = item.notice
        if notice.status is not NoticeStatus.paid:
            check_transition(notice.status, NoticeStatus.paid)
            notice.status = NoticeStatus.paid
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="decision.paid",
        object_type="decision",
        object_id=decision.id,
        detail={"at": now.isoformat(), "notices": [i.notice.number for i in decision.items]},
    )
    return True
