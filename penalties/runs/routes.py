"""Processing runs for ops: the list, one run, its events a page at a time."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_session
from core.models import Role
from core.pagination import Page, PageNumber, PageSize
from penalties.runs import service
from penalties.runs.events import event_counts
from penalties.runs.models import RunKind, RunStatus
from penalties.runs.schemas import RunEventRead, RunRead

router = APIRouter(prefix="/api", tags=["penalties"])
DB = Annotated[Session, Depends(get_session, scope="function")]
Ops = Annotated[Principal, Depends(require(Role.ops, Role.admin))]


@router.get("/runs", response_model=Page[RunRead], summary="Processing runs, newest first")
def runs(
    db: DB,
    _: Ops,
    camera: str | None = None,
    kind: RunKind | None = None,
    status: RunStatus | None = None,
    page: PageNumber = 1,
    size: PageSize = 50,
) -> Page[RunRead]:
    rows, total = service.list_runs(db, camera=camera, kind=kind, status=status, page=page, size=size)
    counts = event_counts(db, [r.id for r in rows])
    items = [RunRead.model_validate(r).model_copy(update={"event_count": counts.get(r.id, 0)}) for r in rows]
    return Page(items=items, total=total, page=page, size=size)


@router.get("/runs/{run_id}", response_model=RunRead, summary="One processing run")
def run(run_id: uuid.UUID, db: DB, _: Ops) -> RunRead:
    found = service.get_run(db, run_id)
    events = event_counts(db, [found.id]).get(found.id, 0)
    return RunRead.model_validate(found).model_copy(update={"event_count": events})


@router.get(
    "/runs/{run_id}/events", response_model=Page[RunEventRead], summary="A run's events in the order found"
)
def run_events(
    run_id: uuid.UUID, db: DB, _: Ops, page: PageNumber = 1, size: PageSize = 100
) -> Page[RunEventRead]:
    rows, total = service.event_page(db, run_id, page=page, size=size)
    return Page(items=[RunEventRead.model_validate(r) for r in rows], total=total, page=page, size=size)
