"""Every (from, to, who) of candidate states against the moves review allows, written out by hand
(the module's docstring: escalated items are for supervisors; the system finishes or hands back a
queued confirmation and closes what the limitation period ended), and who may take a candidate."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from core.time import utc_now
from penalties.candidates.exceptions import (
    AlreadyEscalated,
    AlreadyReviewed,
    EscalatedToSupervisor,
    MoveForbidden,
)
from penalties.candidates.models import CandidateStatus as S
from penalties.candidates.models import RejectReason
from penalties.candidates.states import IN_REVIEW, OPEN, TERMINAL, By, check_move, check_take, takeable
from penalties.review.service import Decision, confirm, escalate, reject
from tests.support.factories import make_candidate

R, SUP, SYS = By.reviewer, By.supervisor, By.system
ALLOWED = {
    # A person decides a pending item: confirm (a notice, or queued while the registry is down),
    # reject, or pass it up; the limitation clock closes it.
    (S.pending_review, S.confirmed, R),
    (S.pending_review, S.confirmed, SUP),
    (S.pending_review, S.awaiting_registry, R),
    (S.pending_review, S.awaiting_registry, SUP),
    (S.pending_review, S.rejected, R),
    (S.pending_review, S.rejected, SUP),
    (S.pending_review, S.rejected, SYS),
    (S.pending_review, S.escalated, R),
    (S.pending_review, S.escalated, SUP),
    # Escalated: only a supervisor decides; the clock still closes it.
    (S.escalated, S.confirmed, SUP),
    (S.escalated, S.awaiting_registry, SUP),
    (S.escalated, S.rejected, SUP),
    (S.escalated, S.rejected, SYS),
    # Queued confirmation: the job issues it or hands it back; the clock closes it.
    (S.awaiting_registry, S.confirmed, SYS),
    (S.awaiting_registry, S.pending_review, SYS),
    (S.awaiting_registry, S.rejected, SYS),
    # confirmed and rejected are final.
}
MOVES = list(itertools.product(S, S, By))
TAKES = {(S.pending_review, R), (S.pending_review, SUP), (S.escalated, SUP)}


def test_the_named_sets_of_states() -> None:
    assert {S.confirmed, S.rejected} == TERMINAL
    assert {S.pending_review, S.escalated, S.awaiting_registry} == OPEN  # the clocks run on these
    assert {S.pending_review, S.escalated} == IN_REVIEW  # a person's decision awaited
    assert set(takeable(R)) == {S.pending_review}
    assert set(takeable(SUP)) == {S.pending_review, S.escalated}
    assert takeable(SYS) == ()


@pytest.mark.parametrize(("current", "target", "by"), MOVES, ids=[f"{a}->{b} by {c}" for a, b, c in MOVES])
def test_move(current: S, target: S, by: By) -> None:
    if (current, target, by) in ALLOWED:
        check_move(current, target, by)
        return
    with pytest.raises(Exception) as info:
        check_move(current, target, by)
    status = getattr(info.value, "status_code", None)
    # Refused: 403 where the move exists for someone else, 409 where nobody may make it.
    others = any((current, target, other) in ALLOWED for other in By)
    assert status == (403 if others else 409), (current, target, by, info.value)


@pytest.mark.parametrize(("current", "by"), list(itertools.product(S, By)))
def test_take(current: S, by: By) -> None:
    if (current, by) in TAKES:
        check_take(current, by)
        return
    refusal = {S.escalated: EscalatedToSupervisor, S.pending_review: MoveForbidden}.get(
        current, AlreadyReviewed
    )
    with pytest.raises(refusal):
        check_take(current, by)


def test_the_refusals_that_reviewers_see() -> None:
    with pytest.raises(EscalatedToSupervisor):
        check_move(S.escalated, S.rejected, R)
    with pytest.raises(AlreadyEscalated):
        check_move(S.escalated, S.escalated, SUP)
    with pytest.raises(AlreadyReviewed):
        check_move(S.confirmed, S.rejected, SUP)


def _held_by(db: Session, status: S, actor: str) -> uuid.UUID:
    """A candidate in ``status`` with a live claim by ``actor`` (as if it had been taken before)."""
    candidate = make_candidate(db)
    candidate.status = status
    candidate.claimed_by, candidate.claim_expires_at = actor, utc_now() + timedelta(minutes=5)
    db.flush()
    return candidate.id


def test_a_claim_on_an_escalated_item_does_not_let_a_reviewer_decide_it(db: Session) -> None:
    """The decision itself is checked, not only the claim: a reviewer still holding an escalated item
    (a claim from before, or taken around the queue) cannot reject, confirm or escalate it again."""
    held = _held_by(db, S.escalated, "staff:r1")
    with pytest.raises(EscalatedToSupervisor):
        reject(db, held, RejectReason.not_a_violation, actor="staff:r1")
    with pytest.raises(EscalatedToSupervisor):
        confirm(db, held, Decision(), actor="staff:r1")
    with pytest.raises(AlreadyEscalated):
        escalate(db, held, actor="staff:r1", note="again")
    decided = reject(db, held, RejectReason.not_a_violation, actor="staff:r1", supervisor=True)
    assert decided.status is S.rejected
