"""Every (from, to) pair of notice states against the moves the procedure allows, written out by hand
(TT 73/2024 Art. 24, ND 168/2024 Art. 47(8), Luật XLVPHC Arts 73 and 78; the module's docstring)."""

from __future__ import annotations

import itertools

import pytest

from penalties.notices.models import NoticeStatus as S
from penalties.notices.states import TERMINAL, TRANSITIONS, TransitionNotAllowed, check_transition

ALLOWED = {
    # Sent to the citizen app; or withdrawn before it reached anyone. Not overdue: the 10 days to
    # pay run from receiving the decision (Luật XLVPHC Art. 73), and an issued notice is not received.
    (S.issued, S.delivered),
    (S.issued, S.cancelled),
    # Received: the owner accepts it, names the driver (ND 168 Art. 47(8)(b)), explains or complains,
    # or simply pays; unpaid past the due date it is overdue; the police may still withdraw it.
    (S.delivered, S.acknowledged),
    (S.delivered, S.nominated_driver),
    (S.delivered, S.disputed),
    (S.delivered, S.paid),
    (S.delivered, S.overdue),
    (S.delivered, S.cancelled),
    (S.acknowledged, S.paid),
    (S.acknowledged, S.overdue),
    (S.acknowledged, S.cancelled),
    # A new notice goes to the named driver and this one is closed; or the nomination fails and the
    # owner, who cannot show someone else drove, answers for it (Art. 47(8)(b)).
    (S.nominated_driver, S.cancelled),
    # The named driver accepted (the notice is theirs now, to answer) or refused or let the days run
    # out (back to the owner): either way it is open again.
    (S.nominated_driver, S.delivered),
    (S.nominated_driver, S.acknowledged),
    # A dispute is rejected (the owner accepts), upheld (cancelled), or goes up a level; a supervisor
    # who keeps the notice (as it is or amended) opens it again for the citizen to answer.
    (S.disputed, S.delivered),
    (S.disputed, S.acknowledged),
    (S.disputed, S.cancelled),
    (S.disputed, S.escalated),
    # A supervisor's sanction decision covers it: acknowledged, or the owner liable by default
    # (received or overdue, nobody named); no answer after that; paid or withdrawn with the decision.
    (S.delivered, S.decided),
    (S.acknowledged, S.decided),
    (S.overdue, S.decided),
    (S.decided, S.paid),
    (S.decided, S.cancelled),
    # Past the deadline: paid late (+0.05 %/day, Art. 78(1)), enforced, or withdrawn.
    (S.overdue, S.paid),
    (S.overdue, S.escalated),
    (S.overdue, S.cancelled),
    (S.escalated, S.paid),
    (S.escalated, S.cancelled),
    # paid and cancelled are final.
}
PAIRS = list(itertools.product(S, S))


def test_every_state_has_its_row_and_the_final_ones_are_final() -> None:
    assert set(TRANSITIONS) == set(S)
    assert {S.paid, S.cancelled} == TERMINAL
    assert not any(a in TERMINAL for a, _ in ALLOWED)


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_transition(current: S, target: S) -> None:
    if (current, target) in ALLOWED:
        check_transition(current, target)
        return
    with pytest.raises(TransitionNotAllowed) as info:
        check_transition(current, target)
    assert info.value.status_code == 409 and str(current) in str(info.value)
