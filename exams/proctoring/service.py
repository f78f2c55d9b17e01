"""Re-verification during an online exam, duplicate faces at admission, the proctor's queue and the
retention purge. Services only flush; the request or job owns the transaction. Every flag, resolution
and read of a flag is audited."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from core import at_rest, audit
from core.evidence import BlobStore
from core.time import utc_now
from exams.models import Exam, ExamKind, Registration
from exams.proctoring.exceptions import FlagNotFound, FlagResolved, NoReference, NotOnlineExam
from exams.proctoring.frames import jpeg
from exams.proctoring.models import FaceReference, FlagKind, FlagStatus, ProctorFlag
from identity.errors import FaceQualityError
from identity.face.backend import FaceBackend
from identity.face.policy import FacePolicy
from identity.face.quality import check_frame, count_gate

logger = logging.getLogger(__name__)
# An online exam is over at most this long after its start (or after a late admission): the admitted
# face's embedding is deleted then.
EXAM_WINDOW = timedelta(hours=8)
# A flag's frame stays this long after the proctor resolved it (appeals), then it is deleted.
EVIDENCE_KEEP = timedelta(days=30)


@dataclass(frozen=True)
class FrameCheck:
    kind: FlagKind | None  # None: ok
    code: str
    distance: float | None = None
    threshold: float | None = None


EMBEDDING = "face embedding"  # the at-rest purpose: its own key, bound to the registration


def _sealed(embedding: np.ndarray, registration_id: uuid.UUID) -> bytes:
    return at_rest.encrypt(EMBEDDING, np.asarray(embedding, "<f8").tobytes(), registration_id.bytes)


def _embedding(ref: FaceReference) -> np.ndarray:
    """The held embedding; SealBroken when it does not open (altered, moved, or the key changed)."""
    return np.frombuffer(at_rest.decrypt(EMBEDDING, ref.embedding, ref.registration_id.bytes), "<f8")


def admitted_embedding(backend: FaceBackend, frame: np.ndarray) -> np.ndarray:
    """The embedding of the one face of the admitted frame (it passed the gates at check-in)."""
    return backend.embed(frame, count_gate(backend.detect(frame)))


def on_admitted(
    session: Session,
    reg: Registration,
    frame: np.ndarray,
    backend: FaceBackend,
    policy: FacePolicy,
    store: BlobStore,
    *,
    actor: str,
) -> list[ProctorFlag]:
    """Keep the admitted face for the exam's duration (online exams only) and flag both candidates
    when the face is already admitted under another registration of the exam."""
    exam = reg.exam
    if exam.kind is not ExamKind.online:
        return []
    embedding = admitted_embedding(backend, frame)
    now = utc_now()
    session.execute(delete(FaceReference).where(FaceReference.registration_id == reg.id))
    session.add(
        FaceReference(
            registration_id=reg.id,
            exam_id=exam.id,
            embedding=_sealed(embedding, reg.id),
            admitted_at=now,
            keep_until=max(exam.starts_at, now) + EXAM_WINDOW,
        )
    )
    others = session.scalars(
        select(FaceReference).where(FaceReference.exam_id == exam.id, FaceReference.registration_id != reg.id)
    )
    flags: list[ProctorFlag] = []
    for other in others:
        try:
            held = _embedding(other)
        except at_rest.SealBroken:
            logger.warning(
                "exam %s: the held face of registration %s does not open", exam.code, other.registration_id
            )
            continue
        distance = backend.distance(embedding, held)
        if distance > policy.max_distance:
            continue
        key = store.put(jpeg(frame))  # the second admission's frame: the face seen twice
        check = FrameCheck(FlagKind.duplicate_face, "face.duplicate", round(distance, 4), policy.max_distance)
        for mine, theirs in ((reg.id, other.registration_id), (other.registration_id, reg.id)):
            flags.append(_flag(session, exam, mine, check, key, actor=actor, other=theirs))
    session.flush()
    return flags


def check_frame_against(
    backend: FaceBackend, frame: np.ndarray, reference: np.ndarray, policy: FacePolicy
) -> FrameCheck:
    faces = backend.detect(frame)
    if not faces:
        return FrameCheck(FlagKind.no_face, "face.none")
    if len(faces) > 1:
        return FrameCheck(FlagKind.several_faces, "face.several")
    try:
        quality = check_frame(frame, faces, policy)
    except FaceQualityError as exc:
        return FrameCheck(FlagKind.unusable, exc.code)
    distance = round(backend.distance(backend.embed(frame, quality.face), reference), 4)
    kind = FlagKind.different_face if distance > policy.max_distance else None
    return FrameCheck(kind, "face.mismatch" if kind else "ok", distance, policy.max_distance)


def reference_of(session: Session, reg: Registration) -> np.ndarray:
    if reg.exam.kind is not ExamKind.online:
        raise NotOnlineExam(f"{reg.exam.code} is not an online exam")
    ref = session.scalar(select(FaceReference).where(FaceReference.registration_id == reg.id))
    if ref is None or ref.keep_until <= utc_now():
        raise NoReference(f"no admitted face for this candidate of {reg.exam.code}")
    try:
        return _embedding(ref)
    except at_rest.SealBroken as exc:
        raise NoReference(
            f"the admitted face of this candidate of {reg.exam.code} cannot be read (the biometric key "
            "changed?): admit the candidate again"
        ) from exc


def reverify(
    session: Session,
    reg: Registration,
    frame: np.ndarray,
    check: FrameCheck,
    store: BlobStore,
    *,
    actor: str,
) -> ProctorFlag | None:
    """Record the outcome of one re-verification: a flag with the frame for every non-ok one."""
    flag = None
    if check.kind is not None:
        flag = _flag(session, reg.exam, reg.id, check, store.put(jpeg(frame)), actor=actor)
        session.flush()
    audit.record(
        session,
        actor=actor,
        action="exam.reverified",
        object_type="exam_registration",
        object_id=reg.id,
        detail={
            "exam_id": str(reg.exam_id),
            "owner_cccd": reg.cccd,
            "outcome": str(check.kind or "ok"),
            "code": check.code,
            "distance": check.distance,
            "flag_id": str(flag.id) if flag else None,
        },
    )
    return flag


def _flag(
    session: Session,
    exam: Exam,
    registration_id: uuid.UUID,
    check: FrameCheck,
    evidence_key: str,
    *,
    actor: str,
    other: uuid.UUID | None = None,
) -> ProctorFlag:
    assert check.kind is not None
    flag = ProctorFlag(
        id=uuid.uuid4(),
        exam_id=exam.id,
        registration_id=registration_id,
        kind=check.kind,
        code=check.code,
        distance=check.distance,
        threshold=check.threshold,
        other_registration_id=other,
        evidence_key=evidence_key,
        submitted_by=actor,
    )
    session.add(flag)
    audit.record(
        session,
        actor=actor,
        action="exam.flag_raised",
        object_type="exam_proctor_flag",
        object_id=flag.id,
        detail={"exam_id": str(exam.id), "kind": str(check.kind), "code": check.code},
    )
    return flag


def list_flags(
    session: Session,
    exam: Exam,
    *,
    statuses: Collection[FlagStatus],
    page: int,
    size: int,
    newest_first: bool = False,
) -> tuple[list[ProctorFlag], int]:
    """A page of an exam's flags in ``statuses``: oldest first (the API's queue) or newest first (the
    proctor's page), with both candidates of a duplicate-face pair loaded."""
    where = (ProctorFlag.exam_id == exam.id, ProctorFlag.status.in_(list(statuses)))
    total = session.scalar(select(func.count()).select_from(ProctorFlag).where(*where)) or 0
    order = (
        (ProctorFlag.created_at.desc(), ProctorFlag.id.desc())
        if newest_first
        else (
            ProctorFlag.created_at,
            ProctorFlag.id,
        )
    )
    rows = session.scalars(
        select(ProctorFlag)
        .where(*where)
        .options(selectinload(ProctorFlag.registration), selectinload(ProctorFlag.other_registration))
        .order_by(*order)
        .offset((page - 1) * size)
        .limit(size)
    )
    return list(rows), total


def audit_queue_read(
    session: Session,
    exam: Exam,
    flags: list[ProctorFlag],
    *,
    actor: str,
    purpose: str,
    with_others: bool = False,
) -> None:
    """``with_others``: the reader also saw the other candidate of each duplicate-face flag."""
    owners = {f.registration.cccd for f in flags}
    if with_others:
        owners |= {f.other_registration.cccd for f in flags if f.other_registration is not None}
    audit.record_read(
        session,
        actor=actor,
        object_type="exam_proctor_flags",
        object_id=exam.id,
        purpose=purpose,
        flags=[str(f.id) for f in flags],
        owners=sorted(owners),
    )


def online_exams(session: Session, *, page: int, size: int) -> tuple[list[tuple[Exam, int]], int]:
    """Online exams, latest start first, each with its number of open flags."""
    open_flags = (
        select(func.count())
        .select_from(ProctorFlag)
        .where(ProctorFlag.exam_id == Exam.id, ProctorFlag.status == FlagStatus.open)
        .correlate(Exam)
        .scalar_subquery()
    )
    online = Exam.kind == ExamKind.online
    total = session.scalar(select(func.count()).select_from(Exam).where(online)) or 0
    rows = session.execute(
        select(Exam, open_flags)
        .where(online)
        .order_by(Exam.starts_at.desc(), Exam.id)
        .offset((page - 1) * size)
        .limit(size)
    )
    return [(exam, count) for exam, count in rows], total


def get_flag(session: Session, exam: Exam, flag_id: uuid.UUID) -> ProctorFlag:
    flag = session.get(ProctorFlag, flag_id)
    if flag is None or flag.exam_id != exam.id:
        raise FlagNotFound(f"no flag {flag_id} for exam {exam.code}")
    return flag


def evidence_of(session: Session, flag: ProctorFlag, store: BlobStore, *, actor: str) -> bytes:
    """The flagged frame, its read audited (it shows a person)."""
    if flag.evidence_key is None:
        raise FlagNotFound("the frame of this flag was purged")
    audit.record_read(
        session,
        actor=actor,
        object_type="exam_proctor_flag",
        object_id=flag.id,
        purpose="proctor evidence",
        owner_cccd=flag.registration.cccd,
    )
    return store.get(flag.evidence_key)


def resolve(
    session: Session, flag: ProctorFlag, decision: FlagStatus, reason: str, *, actor: str
) -> ProctorFlag:
    if flag.status is not FlagStatus.open:
        raise FlagResolved(f"the flag is {flag.status}")
    if decision is FlagStatus.open:
        raise ValueError("a proctor dismisses or confirms")
    now = utc_now()
    flag.status, flag.resolution_reason, flag.resolved_by, flag.resolved_at = decision, reason, actor, now
    flag.evidence_purge_after = now + EVIDENCE_KEEP
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="exam.flag_resolved",
        object_type="exam_proctor_flag",
        object_id=flag.id,
        detail={"owner_cccd": flag.registration.cccd, "decision": str(decision), "reason": reason},
    )
    return flag


@dataclass(frozen=True)
class Purged:
    references: int
    frames: int


def purge(session: Session, store: BlobStore, now: datetime | None = None) -> Purged:
    """Delete the admitted faces of ended exams and the frames of flags past their retention. A frame
    shared by a flag still kept (a duplicate-face pair resolved apart) stays until that one goes too."""
    now = now or utc_now()
    ended = list(session.scalars(select(FaceReference).where(FaceReference.keep_until <= now)))
    for ref in ended:
        session.delete(ref)
    due = list(
        session.scalars(
            select(ProctorFlag).where(
                ProctorFlag.evidence_key.is_not(None), ProctorFlag.evidence_purge_after <= now
            )
        )
    )
    for flag in due:
        key = flag.evidence_key
        flag.evidence_key, flag.evidence_purged_at = None, now
        session.flush()
        kept = select(ProctorFlag.id).where(ProctorFlag.evidence_key == key).limit(1)
        if key is not None and session.scalar(kept) is None:
            store.delete(key)
    session.flush()
    return Purged(len(ended), len(due))
