"""Police review of violation candidates: claim (one reviewer at a time, with expiry), confirm into a
notice, correct the plate, reject with a reason, escalate to a supervisor. Every action is audited.
Services flush; the request owns the transaction (the notice and its delivery job commit together)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, case, or_, select, update
from sqlalchemy.orm import Session

from core import audit
from core.jobs import enqueue
from core.time import utc_now
from detection.vehicles import VehicleClass
from penalties.candidates.exceptions import AlreadyReviewed, CandidateNotFound
from penalties.candidates.models import CandidateStatus, RejectReason, ViolationCandidate
from penalties.candidates.states import IN_REVIEW, By, check_move, check_take, move, takeable
from penalties.law import person_provision
from penalties.law.assessment import AssessmentError, Circumstances, assess
from penalties.law.periods import LIMITATION
from penalties.notices.models import Notice, UnnamedOffence
from penalties.notices.service import issue_notice
from penalties.notices.unnamed import record_unnamed
from penalties.review.exceptions import (
    ClaimTaken,
    FlaggedVehicle,
    LimitationExpired,
    NotClaimed,
    OwnerUnknown,
    SecondCheckRequired,
)
from penalties.review.flags import check as check_flags
from registry.provider import RegistryProvider, RegistryUnavailable, VehicleRecord, get_provider, plate_key

CLAIM_MINUTES = 10


def _get(session: Session, candidate_id: uuid.UUID) -> ViolationCandidate:
    candidate = session.get(ViolationCandidate, candidate_id)
    if candidate is None:
        raise CandidateNotFound(f"no candidate {candidate_id}")
    return candidate


def _claimable(actor: str, now: datetime) -> Any:
    return or_(
        ViolationCandidate.claimed_by.is_(None),
        ViolationCandidate.claimed_by == actor,
        ViolationCandidate.claim_expires_at < now,
    )


def _claimed(session: Session, candidate: ViolationCandidate, actor: str) -> ViolationCandidate:
    audit.record(
        session,
        actor=actor,
        action="candidate.claim",
        object_type="violation_candidate",
        object_id=candidate.id,
    )
    return candidate


def claim(
    session: Session,
    candidate_id: uuid.UUID,
    *,
    actor: str,
    supervisor: bool = False,
    now: datetime | None = None,
) -> ViolationCandidate:
    """Take the candidate for ``CLAIM_MINUTES``; one conditional UPDATE, so two reviewers racing for
    the same item cannot both win."""
    now = now or utc_now()
    by = By.staff(supervisor=supervisor)
    result = session.execute(
        update(ViolationCandidate)
        .where(
            ViolationCandidate.id == candidate_id,
            ViolationCandidate.status.in_(takeable(by)),
            _claimable(actor, now),
        )
        .values(claimed_by=actor, claim_expires_at=now + timedelta(minutes=CLAIM_MINUTES))
        .execution_options(synchronize_session=False)
    )
    won = cast(CursorResult[Any], result).rowcount
    candidate = _get(session, candidate_id)
    session.refresh(candidate)
    if not won:
        check_take(candidate.status, by, f"candidate {candidate_id}")
        raise ClaimTaken(f"candidate {candidate_id} is being reviewed by someone else")
    return _claimed(session, candidate, actor)


def claim_next(
    session: Session, *, actor: str, supervisor: bool = False, now: datetime | None = None
) -> ViolationCandidate | None:
    """Claim the oldest candidate nobody holds (supervisors: escalated ones first), or None, in one
    statement: ``UPDATE … WHERE id = (SELECT … LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id``. On
    PostgreSQL reviewers asking at once each get a different candidate (a row another transaction is
    taking is skipped, not waited for); SQLite runs one writer at a time, so the statement alone is
    enough there (it has no row locks: the FOR UPDATE clause is left out)."""
    now = now or utc_now()
    escalated_first = case((ViolationCandidate.status == CandidateStatus.escalated, 0), else_=1)
    free = (
        ViolationCandidate.status.in_(takeable(By.staff(supervisor=supervisor))),
        _claimable(actor, now),
    )
    oldest = (
        select(ViolationCandidate.id)
        .where(*free)
        .order_by(escalated_first, ViolationCandidate.detected_at)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    candidate_id = session.execute(
        update(ViolationCandidate)
        .where(ViolationCandidate.id == oldest, *free)
        .values(claimed_by=actor, claim_expires_at=now + timedelta(minutes=CLAIM_MINUTES))
        .returning(ViolationCandidate.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    if candidate_id is None:
        return None
    candidate = _get(session, candidate_id)
    session.refresh(candidate)
    return _claimed(session, candidate, actor)


def release(session: Session, candidate_id: uuid.UUID, *, actor: str) -> ViolationCandidate:
    candidate = _held(session, candidate_id, actor)
    candidate.claimed_by = candidate.claim_expires_at = None
    audit.record(
        session,
        actor=actor,
        action="candidate.release",
        object_type="violation_candidate",
        object_id=candidate_id,
    )
    return candidate


def _held(session: Session, candidate_id: uuid.UUID, actor: str) -> ViolationCandidate:
    candidate = _get(session, candidate_id)
    if candidate.status not in IN_REVIEW:
        raise AlreadyReviewed(f"candidate {candidate_id} is {candidate.status}")
    now = utc_now()
    expires = candidate.claim_expires_at
    if candidate.claimed_by != actor or expires is None or expires < now:
        raise NotClaimed(f"claim candidate {candidate_id} first")
    return candidate


def _decide(
    candidate: ViolationCandidate, status: CandidateStatus, by: By, actor: str, note: str | None
) -> None:
    move(candidate, status, by)
    candidate.reviewed_by = actor
    candidate.reviewed_at = utc_now()
    candidate.review_note = note
    candidate.claimed_by = candidate.claim_expires_at = None


def correct_plate(
    session: Session,
    candidate_id: uuid.UUID,
    plate: str,
    *,
    actor: str,
    provider: RegistryProvider | None = None,
) -> ViolationCandidate:
    """Correct the plate read. A correction that points the candidate at another owner than the
    camera's read needs a second person to confirm (one reviewer alone cannot re-target a fine)."""
    candidate = _held(session, candidate_id, actor)
    before, after = candidate.plate, plate_key(plate)
    if after == before:
        return candidate
    camera_read = candidate.original_plate or before
    owner_changed = _owner(session, camera_read, provider) != _owner(session, after, provider)
    candidate.original_plate = camera_read
    candidate.plate = after
    candidate.plate_corrected_by = actor if owner_changed else None
    audit.record(
        session,
        actor=actor,
        action="candidate.correct_plate",
        object_type="violation_candidate",
        object_id=candidate_id,
        detail={"before": before, "after": after, "camera_read": camera_read, "owner_changed": owner_changed},
    )
    return candidate


def _owner(session: Session, plate: str | None, provider: RegistryProvider | None) -> str | None:
    """The owner's CCCD for ``plate``; an unanswerable lookup counts as a different owner."""
    if not plate:
        return None
    try:
        vehicle = (provider or get_provider()).lookup(session, plate)
    except RegistryUnavailable:
        return f"unknown:{plate}"
    return None if vehicle is None else vehicle.owner.cccd


def reject(
    session: Session,
    candidate_id: uuid.UUID,
    reason: RejectReason,
    *,
    actor: str,
    note: str | None = None,
    supervisor: bool = False,
) -> ViolationCandidate:
    candidate = _held(session, candidate_id, actor)
    if reason is RejectReason.other and not note:
        raise AssessmentError("say why in the note when the reason is 'other'")
    _decide(candidate, CandidateStatus.rejected, By.staff(supervisor=supervisor), actor, note)
    candidate.reject_reason = reason
    audit.record(
        session,
        actor=actor,
        action="candidate.reject",
        object_type="violation_candidate",
        object_id=candidate_id,
        detail={"reason": str(reason)},
    )
    return candidate


def escalate(
    session: Session, candidate_id: uuid.UUID, *, actor: str, note: str, supervisor: bool = False
) -> ViolationCandidate:
    candidate = _held(session, candidate_id, actor)
    by = By.staff(supervisor=supervisor)
    move(candidate, CandidateStatus.escalated, by)
    candidate.escalated_by, candidate.escalated_at, candidate.escalation_note = actor, utc_now(), note
    candidate.claimed_by = candidate.claim_expires_at = None
    audit.record(
        session,
        actor=actor,
        action="candidate.escalate",
        object_type="violation_candidate",
        object_id=candidate_id,
        detail={"note": note},
    )
    return candidate


@dataclass(frozen=True)
class Decision:
    amount_vnd: int | None = None
    aggravating: tuple[str, ...] = ()
    mitigating: tuple[str, ...] = ()
    note: str | None = None
    acknowledge_flags: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "amount_vnd": self.amount_vnd,
            "aggravating": list(self.aggravating),
            "mitigating": list(self.mitigating),
            "note": self.note,
            "acknowledge_flags": self.acknowledge_flags,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decision:
        return cls(
            data.get("amount_vnd"),
            tuple(data.get("aggravating", ())),
            tuple(data.get("mitigating", ())),
            data.get("note"),
            bool(data.get("acknowledge_flags")),
        )


@dataclass(frozen=True)
class Outcome:
    candidate: ViolationCandidate
    notice: Notice | None  # None: the owner lookup is queued, or the offender is not the owner's rider
    unnamed: UnnamedOffence | None = None  # a passenger's own offence: recorded, no notice


def confirm(
    session: Session,
    candidate_id: uuid.UUID,
    decision: Decision,
    *,
    actor: str,
    provider: RegistryProvider | None = None,
    now: datetime | None = None,
    supervisor: bool = False,
) -> Outcome:
    """Confirm the violation: look up the owner, assess the fine by the law of the violation date, and
    create the notice with its delivery job in the caller's transaction. When the registry cannot be
    reached the decision is kept and a job completes it later; nothing is issued on a guess."""
    candidate = _held(session, candidate_id, actor)
    by = By.staff(supervisor=supervisor)
    check_move(candidate.status, CandidateStatus.confirmed, by, f"candidate {candidate_id}")
    if candidate.plate_corrected_by == actor:
        raise SecondCheckRequired(
            f"you corrected the plate from {candidate.original_plate} to {candidate.plate} (another "
            "owner): another reviewer or a supervisor must confirm"
        )
    now = now or utc_now()
    _check_limitation(candidate, now)
    if person_provision(candidate.violation_code, candidate.detected_at) is not None:
        # The person fined is not the vehicle's rider: no owner lookup, no notice to the owner.
        assessment = _assess(candidate, candidate.vehicle_class or "motorbike", decision)
        unnamed = record_unnamed(session, candidate, assessment, actor=actor, now=now)
        _decide(candidate, CandidateStatus.confirmed, by, actor, decision.note)
        session.flush()
        return Outcome(candidate, None, unnamed)
    if not candidate.plate:
        raise OwnerUnknown("no plate read: correct the plate or reject")
    try:
        vehicle = (provider or get_provider()).lookup(session, candidate.plate)
    except RegistryUnavailable:
        # Check the amount now (by the class the camera saw), so a typo is not discovered in a job.
        _assess(candidate, candidate.vehicle_class or "car", decision)
        move(candidate, CandidateStatus.awaiting_registry, by)
        candidate.pending_decision = {**decision.as_dict(), "actor": actor}
        candidate.claimed_by = candidate.claim_expires_at = None
        session.flush()
        enqueue(
            session,
            "penalties.complete_confirmation",
            {"candidate_id": str(candidate.id)},
            key=f"complete:{candidate.id}:{now.isoformat()}",
        )
        audit.record(
            session,
            actor=actor,
            action="candidate.confirm_queued",
            object_type="violation_candidate",
            object_id=candidate_id,
            detail={"reason": "registry unavailable"},
        )
        return Outcome(candidate, None)
    return Outcome(candidate, issue(session, candidate, vehicle, decision, by=by, actor=actor, now=now))


def _check_limitation(candidate: ViolationCandidate, now: datetime) -> None:
    if now - candidate.detected_at > LIMITATION:
        raise LimitationExpired(f"detected {candidate.detected_at:%Y-%m-%d}: more than a year ago")


def _assess(candidate: ViolationCandidate, vehicle_class: str, decision: Decision) -> Any:
    return assess(
        candidate.violation_code,
        vehicle_class,
        candidate.detected_at,
        amount_vnd=decision.amount_vnd,
        circumstances=Circumstances(decision.aggravating, decision.mitigating),
    )


def issue(
    session: Session,
    candidate: ViolationCandidate,
    vehicle: VehicleRecord | None,
    decision: Decision,
    *,
    by: By,
    actor: str,
    now: datetime,
) -> Notice:
    """The decision made final: the vehicle's warnings checked, the fine assessed by the law of the
    violation date, the notice issued (penalties.notices) and the candidate confirmed."""
    if vehicle is None:
        raise OwnerUnknown(f"plate {candidate.plate} is not in the vehicle registry")
    candidate.flags = check_flags(session, candidate, vehicle)
    if candidate.flags and not decision.acknowledge_flags:
        raise FlaggedVehicle("; ".join(f["detail"] for f in candidate.flags))
    vehicle_class = VehicleClass.fined(vehicle.vehicle_type) or candidate.vehicle_class or "car"
    assessment = _assess(candidate, vehicle_class, decision)
    notice = issue_notice(
        session, candidate, vehicle, assessment, decision.aggravating, decision.mitigating, now=now
    )
    _decide(candidate, CandidateStatus.confirmed, by, actor, decision.note)
    candidate.pending_decision = None
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="candidate.confirm",
        object_type="violation_candidate",
        object_id=candidate.id,
        detail={"notice": notice.number, "amount_vnd": notice.amount_vnd, "points": notice.points},
    )
    return notice


def complete_confirmation(
    session: Session, candidate_id: uuid.UUID, *, now: datetime | None = None
) -> Notice | None:
    """The queued half of a confirmation, run as a job: raises RegistryUnavailable (the job retries
    with backoff) until the registry answers. A flagged or unknown vehicle goes back to the queue."""
    candidate = _get(session, candidate_id)
    if candidate.status is not CandidateStatus.awaiting_registry or candidate.pending_decision is None:
        return None
    now = now or utc_now()
    decision = Decision.from_dict(candidate.pending_decision)
    actor = str(candidate.pending_decision.get("actor", audit.SYSTEM))
    vehicle = get_provider().lookup(session, candidate.plate or "")
    try:
        _check_limitation(candidate, now)
        return issue(session, candidate, vehicle, decision, by=By.system, actor=actor, now=now)
    except (OwnerUnknown, FlaggedVehicle, LimitationExpired, AssessmentError) as exc:
        move(candidate, CandidateStatus.pending_review, By.system)
        candidate.review_note = f"queued confirmation needs a reviewer: {exc}"
        candidate.pending_decision = None
        audit.record(
            session,
            actor=audit.SYSTEM,
            action="candidate.confirm_returned",
            object_type="violation_candidate",
            object_id=candidate.id,
            detail={"reason": str(exc)},
        )
        return None
