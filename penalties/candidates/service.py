from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from penalties.candidates.models import CandidateStatus, ViolationCandidate


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
