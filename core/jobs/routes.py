"""Ops view of the job outbox, including the dead letters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_session
from core.jobs.service import list_jobs, retry_job
from core.models import JobStatus, Role
from core.pagination import Page, PageNumber, PageSize

router = APIRouter(prefix="/api/ops/jobs", tags=["ops"])
DB = Annotated[Session, Depends(get_session, scope="function")]
Ops = Annotated[Principal, Depends(require(Role.ops, Role.admin))]


class JobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    payload: dict[str, Any]
    status: JobStatus
    attempts: int
    max_attempts: int
    created_at: datetime
    run_after: datetime
    finished_at: datetime | None
    last_error: str | None


@router.get("", response_model=Page[JobRead], summary="Jobs, newest first (status=dead: dead letters)")
def jobs(
    db: DB,
    _: Ops,
    status: JobStatus | None = None,
    page: PageNumber = 1,
    size: PageSize = 50,
) -> Page[JobRead]:
    rows, total = list_jobs(db, status=status, page=page, size=size)
    return Page(items=[JobRead.model_validate(j) for j in rows], total=total, page=page, size=size)


@router.post("/{job_id}/retry", response_model=JobRead, summary="Send a dead job back to the queue")
def retry(job_id: uuid.UUID, db: DB, principal: Ops) -> JobRead:
    return JobRead.model_validate(retry_job(db, job_id, actor=principal.actor))
