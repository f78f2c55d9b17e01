"""The candidate's own exams and online check-in: a signed-in citizen sees only the registrations under
their own CCCD and checks in for one of them with the card data and camera frames. The CCCD is always
the signed-in citizen's, never one from the request; another person's registration answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy.orm import Session

from core import audit
from core.auth.deps import citizen_only
from core.auth.principal import Principal
from core.db import get_write_session, session_scope
from exams import queries, routes
from exams.schemas import CheckinCreate, CheckinRead, ExamRead
from identity.chip.trust import TrustStore
from identity.face.backend import FaceBackend
from identity.face.policy import FacePolicy

router = APIRouter(prefix="/api/citizen/v1/exams", tags=["citizen app"])
Citizen = Annotated[Principal, Depends(citizen_only())]
DB = Annotated[Session, Depends(get_write_session, scope="function")]


class MyRegistration(BaseModel):
    id: uuid.UUID
    exam: ExamRead
    latest: CheckinRead | None


class OnlineCheckin(CheckinCreate):
    """As the desk's check-in, without ``cccd``: it is the signed-in citizen's."""

    cccd: str = ""


@router.get("", response_model=list[MyRegistration], summary="My exam registrations, newest exam first")
def my_exams(db: DB, principal: Citizen) -> list[MyRegistration]:
    regs = queries.own_registrations(db, principal.cccd)
    latest = queries.latest_attempts(db, [r.id for r in regs])
    audit.record_read(
        db,
        actor=principal.actor,
        object_type="exam_registrations",
        object_id=None,
        purpose="my exams",
        owner_cccd=principal.cccd,
    )
    return [
        MyRegistration(
            id=r.id,
            exam=ExamRead.model_validate(r.exam),
            latest=CheckinRead.model_validate(latest[r.id]) if r.id in latest else None,
        )
        for r in regs
    ]


@router.post(
    "/registrations/{reg_id}/checkins",
    response_model=CheckinRead,
    status_code=201,
    summary="Check myself in online for one of my exams: card data and camera frames → verdict",
)
def check_myself_in(
    reg_id: uuid.UUID,
    body: OnlineCheckin,
    principal: Citizen,
    backend: Annotated[FaceBackend, Depends(routes.face_backend)],
    policy: Annotated[FacePolicy, Depends(routes.face_policy)],
    trust: Annotated[TrustStore, Depends(routes.trust_store)],
) -> CheckinRead:
    with session_scope(writes=False) as db:
        exam_id = queries.own_registration(db, reg_id, principal.cccd).exam_id
    mine = CheckinCreate.model_validate({**body.model_dump(), "cccd": principal.cccd})
    return routes.check_in(exam_id, mine, backend, policy, trust, actor=principal.actor)[0]
