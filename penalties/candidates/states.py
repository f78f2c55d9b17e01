"""A candidate's life: pending review → confirmed (a notice goes out) or rejected; a reviewer may
escalate it to a supervisor, and then only a supervisor takes and decides it. Confirmed while the
registry is down, it waits in awaiting_registry for a job to finish the confirmation (or hand it back to
review). Only the moves listed here are allowed, each by the movers listed.

Words used for sets of states:
- OPEN: no final decision yet (not confirmed, not rejected): the notice deadline and the limitation
  clocks run on it.
- IN_REVIEW: waiting for a person's decision (someone may take it: see ``takeable``); awaiting_registry
  is open but not in review.
- TERMINAL: confirmed or rejected; nothing moves it again."""

from __future__ import annotations

from enum import StrEnum

from penalties.candidates.exceptions import (
    AlreadyEscalated,
    AlreadyReviewed,
    EscalatedToSupervisor,
    MoveForbidden,
    MoveNotAllowed,
)
from penalties.candidates.models import CandidateStatus as S
from penalties.candidates.models import ViolationCandidate


class By(StrEnum):
    """Who moves a candidate."""

    reviewer = "reviewer"
    supervisor = "supervisor"
    system = "system"  # the queued confirmation job and the clocks

    @classmethod
    def staff(cls, *, supervisor: bool) -> By:
        return cls.supervisor if supervisor else cls.reviewer


PEOPLE = frozenset({By.reviewer, By.supervisor})

# Who may take (claim, and then work on) a candidate in each state; states not listed are taken by nobody.
TAKE: dict[S, frozenset[By]] = {
    S.pending_review: PEOPLE,
    S.escalated: frozenset({By.supervisor}),
}

MOVES: dict[S, dict[S, frozenset[By]]] = {
    S.pending_review: {
        S.confirmed: PEOPLE,
        S.awaiting_registry: PEOPLE,  # confirmed while the registry cannot be reached
        S.rejected: PEOPLE | {By.system},  # the system: limitation expired
        S.escalated: PEOPLE,
    },
    S.escalated: {
        S.confirmed: frozenset({By.supervisor}),
        S.awaiting_registry: frozenset({By.supervisor}),
        S.rejected: frozenset({By.supervisor, By.system}),
    },
    S.awaiting_registry: {
        S.confirmed: frozenset({By.system}),  # the registry answered
        S.pending_review: frozenset({By.system}),  # unknown or flagged vehicle: a person decides
        S.rejected: frozenset({By.system}),
    },
    S.confirmed: {},
    S.rejected: {},
}
TERMINAL = frozenset(s for s, targets in MOVES.items() if not targets)
OPEN = frozenset(s for s in S if s not in TERMINAL)
IN_REVIEW = frozenset(TAKE)


def takeable(by: By) -> tuple[S, ...]:
    """The states in which ``by`` may take a candidate (for queries: ``status IN …``)."""
    return tuple(sorted(s for s, movers in TAKE.items() if by in movers))


def check_take(current: S, by: By, subject: str = "the candidate") -> None:
    """May ``by`` take a candidate in state ``current``? Raises why not."""
    if by in TAKE.get(current, frozenset()):
        return
    if current is S.escalated:
        raise EscalatedToSupervisor(f"{subject} was escalated: a supervisor decides it")
    if current in TAKE:
        raise MoveForbidden(f"a {by} cannot take a {current} candidate")
    raise AlreadyReviewed(f"{subject} is {current}")


def check_move(current: S, target: S, by: By, subject: str = "the candidate") -> None:
    """May ``by`` move a candidate from ``current`` to ``target``? Raises why not."""
    movers = MOVES[current].get(target)
    if movers is not None and by in movers:
        return
    if movers is not None:
        if current is S.escalated:
            raise EscalatedToSupervisor(f"{subject} was escalated: a supervisor decides it")
        raise MoveForbidden(f"a {by} cannot move a {current} candidate to {target}")
    if current in TERMINAL:
        raise AlreadyReviewed(f"{subject} is {current}")
    if current is target is S.escalated:
        raise AlreadyEscalated(f"{subject} is already with a supervisor")
    allowed = ", ".join(sorted(MOVES[current])) or "none (final state)"
    raise MoveNotAllowed(f"{subject} is {current} and cannot become {target}; allowed: {allowed}")


def move(candidate: ViolationCandidate, target: S, by: By) -> None:
    """The one way a candidate changes state: checked against the table, then made."""
    check_move(candidate.status, target, by, f"candidate {candidate.id}")
    candidate.status = target
