from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from penalties.candidates.exceptions import EvidenceNotFound
from penalties.candidates.models import CandidateStatus, EvidenceItem, EvidenceKind, ViolationCandidate


def list_candidates(
    session: Session, *, status: CandidateStatus | None, page: int, size: int
) -> tuple[Sequence[ViolationCandidate], int]:
    query = select(ViolationCandidate)
    if status is not None:
        query = query.where(ViolationCandidate.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ViolationCandidate.detected_at).offset((page - 1) * size).limit(size)
    ).all()
    return rows, total


def evidence_item(session: Session, item_id: uuid.UUID, *, kind: EvidenceKind | None = None) -> EvidenceItem:
    """An evidence item (of ``kind``, when given)."""
    item = session.get(EvidenceItem, item_id)
    if item is None or (kind is not None and item.kind is not kind):
        raise EvidenceNotFound(f"no {'evidence' if kind is None else kind} {item_id}")
    return item
