"""The proctoring API: webcam re-verification during an online exam (by the exam system, or by the
candidate for their own registration), and the proctor's queue of flags with the flagged frame.

Exam officers and admins, except ``/me/reverifications``: a signed-in citizen, whose CCCD is taken
from the sign-in, never from the request."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.orm import Session

from core.auth.deps import citizen_only, require
from core.auth.principal import Principal
from core.db import get_write_session, session_scope
from core.evidence import BlobStore, get_blob_store
from core.models import Role
from core.pagination import PageNumber, PageSize
from exams import service as exams_service
from exams.proctoring import service
from exams.proctoring.frames import decode_frame
from exams.proctoring.models import FlagStatus, ProctorFlag
from exams.proctoring.schemas import FlagPage, FlagRead, FrameCreate, ResolutionCreate, ReverificationRead
from exams.routes import face_backend, face_policy
from identity.face.backend import FaceBackend
from identity.face.policy import FacePolicy

router = APIRouter(prefix="/api/exams", tags=["proctoring"])
Officers = Annotated[Principal, Depends(require(Role.exam_officer, Role.admin))]
Citizen = Annotated[Principal, Depends(citizen_only())]
DB = Annotated[Session, Depends(get_write_session, scope="function")]


def evidence_store() -> BlobStore:
    return get_blob_store()


Backend = Annotated[FaceBackend, Depends(face_backend)]
Policy = Annotated[FacePolicy, Depends(face_policy)]
Store = Annotated[BlobStore, Depends(evidence_store)]


def _reverify(
    exam_id: uuid.UUID,
    cccd: str,
    body: FrameCreate,
    backend: FaceBackend,
    policy: FacePolicy,
    store: BlobStore,
    actor: str,
) -> ReverificationRead:
    with session_scope(writes=False) as db:  # 404/409 before the frame is even decoded
        reg = exams_service.registration(db, exams_service.get_exam(db, exam_id), cccd)
        reference = service.reference_of(db, reg)
    frame = decode_frame(body.frame)
    check = service.check_frame_against(backend, frame, reference, policy)  # no transaction held
    with session_scope() as db:
        reg = exams_service.registration(db, exams_service.get_exam(db, exam_id), cccd)
        flag = service.reverify(db, reg, frame, check, store, actor=actor)
        return ReverificationRead(
            outcome=str(check.kind or "ok"),
            code=check.code,
            distance=check.distance,
            threshold=check.threshold,
            flag_id=flag.id if flag else None,
        )


REVERIFY_DOC = (
    "One webcam frame (base64 JPEG/PNG, ≤ 2 MiB) compared with the face admitted at check-in. Outcome: "
    "ok, no_face, several_faces, different_face (distance above the policy threshold) or unusable (a "
    "quality gate); every non-ok outcome raises a flag with the frame as evidence. Bad input → 422 and "
    "nothing recorded; no admitted face (not admitted by a face match, or the exam is over) → 409."
)


@router.post(
    "/{exam_id}/candidates/{cccd}/reverifications",
    response_model=ReverificationRead,
    status_code=201,
    summary="Re-verify a candidate from a webcam frame (exam system)",
    description=REVERIFY_DOC,
)
def reverify_candidate(
    exam_id: uuid.UUID,
    cccd: str,
    body: FrameCreate,
    principal: Officers,
    backend: Backend,
    policy: Policy,
    store: Store,
) -> ReverificationRead:
    return _reverify(exam_id, cccd, body, backend, policy, store, principal.actor)


@router.post(
    "/{exam_id}/me/reverifications",
    response_model=ReverificationRead,
    status_code=201,
    summary="Re-verify myself from a webcam frame (the candidate, signed in)",
    description=REVERIFY_DOC,
)
def reverify_me(
    exam_id: uuid.UUID, body: FrameCreate, principal: Citizen, backend: Backend, policy: Policy, store: Store
) -> ReverificationRead:
    return _reverify(exam_id, principal.subject, body, backend, policy, store, principal.actor)


def flag_read(flag: ProctorFlag) -> FlagRead:
    url = f"/api/exams/{flag.exam_id}/flags/{flag.id}/evidence" if flag.evidence_key else None
    return FlagRead.model_validate(
        {
            **{c: getattr(flag, c) for c in FlagRead.model_fields if hasattr(flag, c)},
            "cccd": flag.registration.cccd,
            "evidence_url": url,
        }
    )


@router.get("/{exam_id}/flags", response_model=FlagPage, summary="The proctor's queue: an exam's flags")
def list_flags(
    exam_id: uuid.UUID,
    db: DB,
    principal: Officers,
    page: PageNumber = 1,
    size: PageSize = 50,
    status: FlagStatus = FlagStatus.open,
) -> FlagPage:
    exam = exams_service.get_exam(db, exam_id)
    flags, total = service.list_flags(db, exam, statuses=(status,), page=page, size=size)
    service.audit_queue_read(db, exam, flags, actor=principal.actor, purpose="proctor queue")
    return FlagPage(items=[flag_read(f) for f in flags], total=total, page=page, size=size)


@router.get(
    "/{exam_id}/flags/{flag_id}/evidence",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
    summary="The flagged frame (JPEG; an audited read)",
)
def flag_evidence(
    exam_id: uuid.UUID, flag_id: uuid.UUID, db: DB, principal: Officers, store: Store
) -> Response:
    flag = service.get_flag(db, exams_service.get_exam(db, exam_id), flag_id)
    data = service.evidence_of(db, flag, store, actor=principal.actor)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.post(
    "/{exam_id}/flags/{flag_id}/resolution",
    response_model=FlagRead,
    summary="Dismiss or confirm a flag, with a reason",
)
def resolve_flag(
    exam_id: uuid.UUID, flag_id: uuid.UUID, body: ResolutionCreate, db: DB, principal: Officers
) -> FlagRead:
    flag = service.get_flag(db, exams_service.get_exam(db, exam_id), flag_id)
    made = service.resolve(db, flag, FlagStatus(body.decision), body.reason, actor=principal.actor)
    return flag_read(made)
