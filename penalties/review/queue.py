"""What the review console shows: the queue (filtered, sorted by a whitelisted column, oldest first by
default, with counts per violation and camera) and one candidate's page."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from core.evidence import get_blob_store
from core.time import VN_TZ, utc_now
from penalties.cameras.models import Camera
from penalties.candidates.evidence import playable_clip
from penalties.candidates.exceptions import CandidateNotFound
from penalties.candidates.models import CandidateStatus, EvidenceItem, EvidenceKind, ViolationCandidate
from penalties.candidates.states import By, takeable
from penalties.notices.models import Notice
from penalties.review.reads import RegistryPanel, registry_panel


@dataclass(frozen=True)
class QueueFilter:
    camera: str | None = None
    code: str | None = None
    day_from: date | None = None
    day_to: date | None = None
    min_conf: float | None = None
    flagged: bool = False
    claimed_by: str | None = None  # "my claims": held (unexpired) by this actor


# The columns the queue sorts by (the page's ?sort=); the rest of the order is oldest first, then id,
# so that equal values keep one order from page to page.
SORTS: dict[str, Any] = {
    "detected": ViolationCandidate.detected_at,
    "camera": Camera.code,
    "violation": ViolationCandidate.violation_code,
    "plate": ViolationCandidate.plate,
    "confidence": ViolationCandidate.plate_confidence,
    "status": ViolationCandidate.status,
}


def _order(sort: str, descending: bool) -> list[Any]:
    column = SORTS[sort]
    first = column.desc() if descending else column.asc()
    return [first.nulls_last(), ViolationCandidate.detected_at, ViolationCandidate.id]


def _filtered(statuses: tuple[CandidateStatus, ...], f: QueueFilter, *columns: Any) -> Any:
    query = (
        select(*(columns or (ViolationCandidate,)))
        .select_from(ViolationCandidate)
        .join(Camera)
        .where(ViolationCandidate.status.in_(statuses))
    )
    if f.claimed_by:
        query = query.where(
            ViolationCandidate.claimed_by == f.claimed_by, ViolationCandidate.claim_expires_at > utc_now()
        )
    if f.flagged:  # json_array_length exists on SQLite and PostgreSQL alike
        query = query.where(func.json_array_length(ViolationCandidate.flags) > 0)
    if f.camera:
        query = query.where(Camera.code == f.camera)
    if f.code:
        query = query.where(ViolationCandidate.violation_code == f.code)
    if f.day_from:
        query = query.where(ViolationCandidate.detected_at >= datetime.combine(f.day_from, time(), VN_TZ))
    if f.day_to:
        end = datetime.combine(f.day_to + timedelta(days=1), time(), VN_TZ)
        query = query.where(ViolationCandidate.detected_at < end)
    if f.min_conf is not None:
        query = query.where(ViolationCandidate.plate_confidence >= f.min_conf)
    return query


def queue(
    session: Session,
    filters: QueueFilter,
    *,
    supervisor: bool,
    page: int,
    size: int,
    sort: str = "detected",
    descending: bool = False,
) -> tuple[Sequence[ViolationCandidate], int]:
    """One page of what this reviewer may take (supervisors: escalated items too) in the asked order,
    and the total."""
    query = _filtered(takeable(By.staff(supervisor=supervisor)), filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.options(contains_eager(ViolationCandidate.camera))  # the page shows each row's camera
        .order_by(*_order(sort, descending))
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return rows, total


def queue_ids(
    session: Session, filters: QueueFilter, *, supervisor: bool, sort: str, descending: bool
) -> list[tuple[uuid.UUID, str | None]]:
    """Every candidate of the filtered queue (all pages) with its plate, in the asked order: what an
    export reads."""
    columns = (ViolationCandidate.id, ViolationCandidate.plate)
    query = _filtered(takeable(By.staff(supervisor=supervisor)), filters, *columns)
    return [(cid, plate) for cid, plate in session.execute(query.order_by(*_order(sort, descending)))]


def queue_counts(
    session: Session, filters: QueueFilter, *, supervisor: bool
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """How many candidates per violation code and per camera, each under the other filters (the
    violation counts ignore the violation filter, so that each count is what clicking it shows)."""
    statuses = takeable(By.staff(supervisor=supervisor))

    def count_by(column: Any, without: QueueFilter) -> list[tuple[str, int]]:
        query = _filtered(statuses, without, column, func.count()).group_by(column)
        return [(str(key), int(n)) for key, n in session.execute(query.order_by(column))]

    by_code = count_by(ViolationCandidate.violation_code, replace(filters, code=None))
    by_camera = count_by(Camera.code, replace(filters, camera=None))
    return by_code, by_camera


def pending_count(session: Session) -> int:
    """Candidates waiting for their first look (the staff dashboard)."""
    query = select(func.count()).where(ViolationCandidate.status == CandidateStatus.pending_review)
    return session.scalar(query) or 0


def filter_choices(session: Session, *, supervisor: bool) -> tuple[list[str], list[str]]:
    """The camera codes, and the violation codes of what this reviewer may take (a code with nothing to
    take would filter to nothing). Only the takeable states are read, through their status index: the
    distinct codes of every candidate ever made read the whole table (250 ms at a million candidates)."""
    cameras = session.scalars(select(Camera.code).order_by(Camera.code)).all()
    statuses = takeable(By.staff(supervisor=supervisor))
    codes = session.scalars(
        select(ViolationCandidate.violation_code)
        .where(ViolationCandidate.status.in_(statuses))
        .distinct()
        .order_by(ViolationCandidate.violation_code)
    ).all()
    return list(cameras), list(codes)


@dataclass(frozen=True)
class CandidatePage:
    candidate: ViolationCandidate
    evidence: dict[EvidenceKind, list[EvidenceItem]]
    panel: RegistryPanel
    notice: Notice | None
    playable: set[uuid.UUID]  # clips with a browser-playable copy


def candidate_page(session: Session, candidate_id: uuid.UUID, *, actor: str) -> CandidatePage:
    """The candidate with its evidence by kind, the registry panel (an audited read) and its notice."""
    candidate = session.get(ViolationCandidate, candidate_id)
    if candidate is None:
        raise CandidateNotFound(f"no candidate {candidate_id}")
    evidence = {kind: [i for i in candidate.evidence if i.kind is kind] for kind in EvidenceKind}
    panel = registry_panel(session, candidate, actor=actor)
    notice = session.scalars(select(Notice).where(Notice.candidate_id == candidate.id)).first()
    store = get_blob_store()
    playable = {i.id for i in evidence[EvidenceKind.clip] if playable_clip(session, store, i)}
    return CandidatePage(candidate, evidence, panel, notice, playable)
