"""Online exams with proctoring flags for the page tests: each flag raised by the real service, with a
real JPEG frame in the evidence store."""

from __future__ import annotations

import uuid
from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session

from core.evidence import get_blob_store
from core.time import utc_now
from exams.models import Exam, ExamKind, Registration
from exams.proctoring import service
from exams.proctoring.models import FlagKind, ProctorFlag

CHECKS = {
    FlagKind.no_face: service.FrameCheck(FlagKind.no_face, "face.none"),
    FlagKind.several_faces: service.FrameCheck(FlagKind.several_faces, "face.several"),
    FlagKind.different_face: service.FrameCheck(FlagKind.different_face, "face.mismatch", 0.6731, 0.5),
    FlagKind.unusable: service.FrameCheck(FlagKind.unusable, "face.blurred"),
}


def online_exam(session: Session, code: str | None = None) -> Exam:
    exam = Exam(
        code=code or f"ON-{uuid.uuid4().hex[:8]}",
        kind=ExamKind.online,
        centre="Trung tâm thi trực tuyến",
        starts_at=utc_now(),
        created_by="test",
    )
    session.add(exam)
    session.flush()
    return exam


def candidate(session: Session, exam: Exam, cccd: str, full_name: str) -> Registration:
    reg = Registration(exam_id=exam.id, cccd=cccd, full_name=full_name, registered_by="test")
    session.add(reg)
    session.flush()
    return reg


def frame(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)


def raise_flag(
    session: Session, reg: Registration, kind: FlagKind, *, at: datetime | None = None, seed: int = 0
) -> ProctorFlag:
    """A flag as re-verification raises it; ``at`` backdates it (the queue's order, the shown time)."""
    flag = service.reverify(session, reg, frame(seed), CHECKS[kind], get_blob_store(), actor="exam-system")
    assert flag is not None
    if at is not None:
        flag.created_at = at
    session.flush()
    return flag
