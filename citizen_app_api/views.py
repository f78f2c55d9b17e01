"""A notice as the signed-in citizen sees it: its state from their side, what paying today costs (late
charge included, by the Vietnamese calendar) and every deadline, in Vietnamese and English."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any, Literal

from sqlalchemy import Select, String, Uuid, bindparam, exists, select
from sqlalchemy.orm import Session

from citizen_app_api.schemas import (
    CameraRead,
    ChainLinkRead,
    Deadline,
    NoticeActions,
    NoticeDetail,
    NoticeSummary,
    Text,
    ViolationWords,
)
from core.time import format_local, to_local, vn_today
from penalties.candidates.models import EvidenceItem, EvidenceKind, EvidenceLink, ViolationCandidate
from penalties.law.assessment import late_charge
from penalties.law.words import LawWords
from penalties.notices.access import liable_cccd
from penalties.notices.clocks import AWAITING_RESPONSE, UNANSWERED_AFTER
from penalties.notices.models import Notice, NoticeStatus
from penalties.notices.words import notice_words, words_of
from penalties.responses.models import Acknowledgement, Nomination, NominationStatus
from penalties.responses.service import is_organisation

PREFIX = "/api/citizen/v1"
TRANSFERRED = "transferred"
STATUS_TEXT: dict[str, Text] = {
    "issued": Text(vi="Đã lập", en="Issued"),
    "delivered": Text(vi="Chờ bạn xử lý", en="Awaiting your response"),
    "acknowledged": Text(vi="Đã xác nhận, chờ nộp phạt", en="Acknowledged, to pay"),
    "decided": Text(vi="Đã có quyết định xử phạt", en="Sanction decision issued"),
    "paid": Text(vi="Đã nộp phạt", en="Paid"),
    "nominated_driver": Text(vi="Đã khai báo người điều khiển", en="Driver named"),
    "disputed": Text(vi="Đang giải quyết khiếu nại", en="Dispute in progress"),
    "cancelled": Text(vi="Đã hủy", en="Cancelled"),
    "overdue": Text(vi="Quá hạn nộp phạt", en="Overdue"),
    "escalated": Text(vi="Chuyển cưỡng chế", en="Sent for enforcement"),
    TRANSFERRED: Text(vi="Đã chuyển cho người điều khiển (đã đóng)", en="Transferred to the driver (closed)"),
}
# A decided notice is paid through its decision (which shows the amount and the days to pay).
OWES_NOTHING = {str(NoticeStatus.paid), str(NoticeStatus.cancelled), str(NoticeStatus.decided), TRANSFERRED}
RESPONSE_TEXT = Text(vi="Hạn phản hồi thông báo", en="Respond to the notice by")
PAYMENT_TEXT = Text(vi="Hạn nộp phạt", en="Pay by")


@dataclass(frozen=True, slots=True)
class NoticeFacts:
    """What a notice's summary shows: the notice's own columns and three of its candidate's. The list
    reads these columns alone (``SUMMARY_COLUMNS``, one statement), not the notices and candidates."""

    id: uuid.UUID
    number: str
    status: NoticeStatus
    owner_cccd: str
    driver_cccd: str | None
    violation_code: str
    owner_snapshot: dict[str, Any]
    issued_at: datetime
    due_date: date
    amount_vnd: int
    points: int
    plate: str | None  # the candidate's
    detected_at: datetime  # the candidate's
    vehicle_class: str | None  # the candidate's

    @classmethod
    def of(cls, notice: Notice) -> NoticeFacts:
        return cls(*(getattr(_owner_of(notice, name), name) for name in _FACT_NAMES))


_CANDIDATE_FACTS = frozenset({"plate", "detected_at", "vehicle_class"})  # the rest are the notice's own
_FACT_NAMES = tuple(f.name for f in fields(NoticeFacts))


def _owner_of(notice: Notice, name: str) -> Notice | ViolationCandidate:
    return notice.candidate if name in _CANDIDATE_FACTS else notice


# NoticeFacts' fields in order, from notices joined to their candidate: the same names on both sides.
SUMMARY_COLUMNS = tuple(
    getattr(ViolationCandidate if name in _CANDIDATE_FACTS else Notice, name) for name in _FACT_NAMES
)


def citizen_status(notice: Notice | NoticeFacts, cccd: str) -> str:
    """The state from this citizen's side: an owner whose named driver accepted sees it closed."""
    if notice.driver_cccd and notice.driver_cccd != cccd:
        return TRANSFERRED
    return str(notice.status)


def _deadline(kind: Literal["response", "payment"], label: Text, due_on: date, today: date) -> Deadline:
    left = (due_on - today).days
    return Deadline(kind=kind, label=label, due_on=due_on, days_left=left, passed=left < 0)


def deadlines(notice: Notice | NoticeFacts, status: str, today: date) -> list[Deadline]:
    if status in OWES_NOTHING:
        return []
    found = []
    if notice.status in AWAITING_RESPONSE:  # 20 days to answer (TT 73/2024 Art. 24(5))
        respond_by = to_local(notice.issued_at).date() + timedelta(days=UNANSWERED_AFTER.days)
        found.append(_deadline("response", RESPONSE_TEXT, respond_by, today))
    found.append(_deadline("payment", PAYMENT_TEXT, notice.due_date, today))
    return found


def violation_words(notice: Notice) -> ViolationWords:
    """The violation in the words of the law of its date, for the class the fine was assessed for."""
    return words_shown(notice_words(notice))


@lru_cache(maxsize=4096)
def words_shown(w: LawWords) -> ViolationWords:
    """The same for every notice with the same words (kept: a list shows many of them)."""
    return ViolationWords(
        vi=w.name_vi,
        en=w.name_en,
        article=w.article,
        law=w.law,
        fine_min_vnd=w.fine_min_vnd,
        fine_max_vnd=w.fine_max_vnd,
        points=w.points,
        unknown=None if w.known else Text(vi=w.note("vi"), en=w.note("en")),
    )


def summary(notice: NoticeFacts, cccd: str, *, today: date | None = None) -> NoticeSummary:
    today = today or vn_today()
    words = words_shown(
        words_of(notice.violation_code, notice.owner_snapshot, notice.vehicle_class, notice.detected_at)
    )
    status = citizen_status(notice, cccd)
    late = 0 if status in OWES_NOTHING else late_charge(notice.amount_vnd, notice.due_date, today)
    due = 0 if status in OWES_NOTHING else notice.amount_vnd + late
    return NoticeSummary(
        id=notice.id,
        number=notice.number,
        status=status,
        status_label=STATUS_TEXT[status],
        my_role="driver" if notice.driver_cccd == cccd else "owner",
        violation_code=notice.violation_code,
        violation=words,
        plate=notice.owner_snapshot.get("plate_display") or notice.plate,
        detected_at=notice.detected_at,
        detected_at_local=format_local(notice.detected_at),
        issued_at=notice.issued_at,
        amount_vnd=notice.amount_vnd,
        late_charge_vnd=late,
        amount_due_today_vnd=due,
        points=notice.points,
        deadlines=deadlines(notice, status, today),
    )


@cache
def _chain_link_query() -> Select[EvidenceLink]:
    return select(EvidenceLink).where(EvidenceLink.candidate_id == bindparam("candidate_id"))


def chain_link(session: Session, notice: Notice) -> ChainLinkRead | None:
    link = session.scalars(_chain_link_query(), {"candidate_id": notice.candidate_id}).first()
    if link is None:
        return None
    return ChainLinkRead(
        camera=notice.candidate.camera.code,
        seq=link.seq,
        manifest_sha256=link.manifest_sha256,
        prev_hash=link.prev_hash,
        link_hash=link.link_hash,
    )


def manifest_item(items: list[EvidenceItem]) -> EvidenceItem | None:
    manifests = [i for i in items if i.kind is EvidenceKind.manifest]
    return manifests[0] if len(manifests) == 1 else None


@cache
def _answers_query() -> Select[bool, bool, bool]:
    """Whether the notice has a nomination, a pending one, and the citizen's acknowledgement: one
    statement, built once (the notice and the citizen are parameters)."""
    notice_id, cccd = bindparam("notice_id", type_=Uuid()), bindparam("cccd", type_=String())
    nominations = select(Nomination.id).where(Nomination.notice_id == notice_id)
    mine = select(Acknowledgement.id).where(
        Acknowledgement.notice_id == notice_id, Acknowledgement.cccd == cccd
    )
    pending = nominations.where(Nomination.status == NominationStatus.pending)
    return select(exists(nominations), exists(pending), exists(mine))


def actions(session: Session, notice: Notice, cccd: str) -> NoticeActions:
    """What this citizen may do now, by the rules penalties.responses enforces (only from
    ``delivered``; the owner names a driver once, an organisation until one accepts)."""
    liable = liable_cccd(notice) == cccd
    open_ = notice.status is NoticeStatus.delivered
    organisation = notice.driver_cccd is None and is_organisation(notice)
    named, pending, acknowledged = session.execute(
        _answers_query(), {"notice_id": notice.id, "cccd": cccd}
    ).one()
    may_name = cccd == notice.owner_cccd and notice.driver_cccd is None and (not named or organisation)
    return NoticeActions(
        acknowledge=liable and open_ and not organisation,
        nominate=open_ and may_name,
        dispute=liable and open_,
        must_nominate=liable and organisation and open_,
        acknowledged=bool(acknowledged),
        awaiting_driver=cccd == notice.owner_cccd and bool(pending),
    )


def detail(session: Session, notice: Notice, cccd: str) -> NoticeDetail:
    candidate = notice.candidate
    items = list(candidate.evidence)
    manifest = manifest_item(items)
    manifest_sha = manifest.sha256 if manifest else None
    camera = candidate.camera
    base = f"{PREFIX}/notices/{notice.id}"
    seen = summary(NoticeFacts.of(notice), cccd)
    return NoticeDetail(
        **seen.model_dump(),
        legal_basis=notice.legal_basis,
        law=seen.violation.law if seen.violation.unknown is None else None,
        measured=dict(candidate.measured),
        camera=CameraRead(
            code=camera.code,
            name=camera.name,
            road=camera.road,
            latitude=camera.latitude,
            longitude=camera.longitude,
            speed_limit_kmh=camera.speed_limit_kmh,
        ),
        evidence_url=f"{base}/evidence",
        manifest_sha256=manifest_sha,
        chain=chain_link(session, notice),
        document_url=f"{base}/document.pdf",
        verify_url=f"{base}/verify",
        actions=actions(session, notice, cccd),
    )
