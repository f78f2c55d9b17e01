"""The notice's life: issued → delivered → acknowledged → paid, with the side roads (nominated driver,
dispute, cancellation, overdue, escalation). Only the moves listed here are allowed."""

from __future__ import annotations

from core.errors import Conflict
from penalties.notices.models import NoticeStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    # Not overdue: the days to pay run from receiving the notice (Luật XLVPHC Art. 73).
    S.issued: frozenset({S.delivered, S.cancelled}),
    S.delivered: frozenset(
        {S.acknowledged, S.nominated_driver, S.disputed, S.decided, S.paid, S.overdue, S.cancelled}
    ),
    S.acknowledged: frozenset({S.decided, S.paid, S.overdue, S.cancelled}),
    # A sanction decision covers it (acknowledged, or the owner liable by default): no more answers;
    # paying the decision pays it.
    S.decided: frozenset({S.paid, S.cancelled}),
    # The owner named someone else (ND 168 Art. 47(8)): once the driver answers (or the days to answer
    # run out) the notice is open again, for the driver who accepted it or for the owner.
    S.nominated_driver: frozenset({S.delivered, S.cancelled, S.acknowledged}),
    # A dispute decided: upheld or amended (open again, at the amended amount), cancelled, escalated.
    S.disputed: frozenset({S.delivered, S.acknowledged, S.cancelled, S.escalated}),
    S.overdue: frozenset({S.decided, S.paid, S.escalated, S.cancelled}),
    S.escalated: frozenset({S.paid, S.cancelled}),
    S.paid: frozenset(),
    S.cancelled: frozenset(),
}
TERMINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)


class TransitionNotAllowed(Conflict):
    """The notice cannot move from its current state to the one asked for."""


def check_transition(current: S, target: S) -> None:
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (final state)"
        raise TransitionNotAllowed(f"a {current} notice cannot become {target}; allowed: {allowed}")
