from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_session
from core.models import Role
from core.pagination import Page, PageNumber, PageSize
from penalties.candidates import service
from penalties.candidates.models import CandidateStatus
from penalties.candidates.schemas import CandidateRead

router = APIRouter(prefix="/api", tags=["penalties"])
DB = Annotated[Session, Depends(get_session, scope="function")]
Reviewers = Annotated[Principal, Depends(require(Role.reviewer, Role.supervisor))]


@router.get("/candidates", response_model=Page[CandidateRead], summary="Violation candidates, oldest first")
def candidates(
    db: DB,
    _: Reviewers,
    status: CandidateStatus | None = CandidateStatus.pending_review,
    page: PageNumber = 1,
    size: PageSize = 50,
) -> Page[CandidateRead]:
    rows, total = service.list_candidates(db, status=status, page=page, size=size)
    return Page(items=[CandidateRead.model_validate(c) for c in rows], total=total, page=page, size=size)
