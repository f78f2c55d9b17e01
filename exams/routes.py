"""The API for exam systems and the exam desk (OpenAPI): create an exam, register candidates, submit a
check-in (card data + live frames as base64 JSON, see exams/schemas.py), read its verdict, and let an
exam officer decide an attempt that waits for one. Every route: exam officers and admins."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.config import Settings
from core.db import get_write_session, session_scope
from core.evidence import get_blob_store
from core.models import Role
from exams import checkin, service
from exams.models import Verdict
from exams.proctoring import service as proctoring
from exams.schemas import (
    BODY_MAX_BYTES,
    CandidateCreate,
    CandidateRead,
    CheckinCreate,
    CheckinRead,
    DecisionCreate,
    ExamCreate,
    ExamRead,
)
from identity.chip.trust import TrustStore
from identity.face.backend import FaceBackend, backend_from_settings
from identity.face.policy import FacePolicy

router = APIRouter(prefix="/api/exams", tags=["exams"])
Officers = Annotated[Principal, Depends(require(Role.exam_officer, Role.admin))]
DB = Annotated[Session, Depends(get_write_session, scope="function")]


def upload_limits(settings: Settings) -> dict[str, int]:
    """A check-in carries the chip's files and several camera frames (core.http_guards.RequestGuard)."""
    return {"/api/exams/": BODY_MAX_BYTES}


@cache
def _backend() -> FaceBackend:
    return backend_from_settings()


def face_backend() -> FaceBackend:
    """The face backend (dlib by default; loaded once). Tests override this dependency."""
    return _backend()


def face_policy() -> FacePolicy:
    return FacePolicy.from_settings()


def trust_store() -> TrustStore:
    """The CSCA store, read from TVP_IDENTITY_CSCA_DIR on each check-in (a new CSCA needs no restart)."""
    return TrustStore.from_settings()


@router.post("", response_model=ExamRead, status_code=201, summary="Create an exam (driving test or online)")
def create_exam(body: ExamCreate, db: DB, principal: Officers) -> ExamRead:
    return ExamRead.model_validate(service.create_exam(db, body, actor=principal.actor))


@router.post(
    "/{exam_id}/candidates",
    response_model=CandidateRead,
    status_code=201,
    summary="Register a candidate by CCCD (once per exam)",
)
def register_candidate(
    exam_id: uuid.UUID, body: CandidateCreate, db: DB, principal: Officers
) -> CandidateRead:
    exam = service.get_exam(db, exam_id)
    reg = service.register(db, exam, body.cccd, body.full_name, actor=principal.actor)
    return CandidateRead.model_validate(reg)


@router.post(
    "/{exam_id}/checkins",
    response_model=CheckinRead,
    status_code=201,
    summary="Check a candidate in: card data and live frames → verdict",
    description=(
        "JSON with base64 fields (each decoded file ≤ 2 MiB, ≤ 8 frames). Unusable input (bad base64, "
        "unreadable image, malformed QR/MRZ, a frame failing a quality gate) → 422 with "
        '`detail: {"code", "vi", "en"}` and nothing recorded. Otherwise one attempt is recorded and '
        "audited: admitted (chip authentic + face matched + liveness), refused (the engine's code, "
        "e.g. chip.dg_hash, chip.csca_untrusted, face.mismatch, card.other_person, card.expired) or "
        "pending_officer (printed data only, or findings)."
    ),
)
def submit_checkin(
    exam_id: uuid.UUID,
    body: CheckinCreate,
    principal: Officers,
    backend: Annotated[FaceBackend, Depends(face_backend)],
    policy: Annotated[FacePolicy, Depends(face_policy)],
    trust: Annotated[TrustStore, Depends(trust_store)],
) -> CheckinRead:
    return check_in(exam_id, body, backend, policy, trust, actor=principal.actor)[0]


def check_in(
    exam_id: uuid.UUID,
    body: CheckinCreate,
    backend: FaceBackend,
    policy: FacePolicy,
    trust: TrustStore,
    *,
    actor: str,
) -> tuple[CheckinRead, checkin.CardInput]:
    """One attempt for the API, the desk page and the candidate's online check-in: the decoded card
    comes back too, for a page that shows its photos in this one answer (they are never stored)."""
    with session_scope(writes=False) as db:
        service.registration(db, service.get_exam(db, exam_id), body.cccd)  # 404 before the engine runs
    card = checkin.decode(body)
    outcome = checkin.evaluate(card, backend, policy, trust)  # no transaction held meanwhile
    with session_scope() as db:
        reg = service.registration(db, service.get_exam(db, exam_id), body.cccd)
        attempt = service.record_attempt(db, reg, outcome, actor=actor)
        if attempt.verdict is Verdict.admitted:  # online: keep the face for re-checks, flag duplicates
            proctoring.on_admitted(db, reg, card.frames[0], backend, policy, get_blob_store(), actor=actor)
        return CheckinRead.model_validate(attempt), card


@router.get("/{exam_id}/checkins/{checkin_id}", response_model=CheckinRead, summary="A check-in's verdict")
def read_checkin(exam_id: uuid.UUID, checkin_id: uuid.UUID, db: DB, principal: Officers) -> CheckinRead:
    exam = service.get_exam(db, exam_id)
    attempt = service.attempt_of(db, exam, checkin_id, actor=principal.actor, purpose="check-in verdict")
    return CheckinRead.model_validate(attempt)


@router.post(
    "/{exam_id}/checkins/{checkin_id}/decision",
    response_model=CheckinRead,
    summary="An exam officer admits or refuses a pending check-in, with a reason",
)
def decide_checkin(
    exam_id: uuid.UUID, checkin_id: uuid.UUID, body: DecisionCreate, db: DB, principal: Officers
) -> CheckinRead:
    exam = service.get_exam(db, exam_id)
    attempt = service.attempt_of(db, exam, checkin_id, actor=principal.actor, purpose="officer decision")
    made = service.decide(db, attempt, Verdict(body.verdict), body.reason, actor=principal.actor)
    return CheckinRead.model_validate(made)
