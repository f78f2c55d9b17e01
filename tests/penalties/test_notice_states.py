"""Every allowed notice transition, and every forbidden one."""

from __future__ import annotations

import itertools

import pytest

from penalties.models import NoticeStatus
from penalties.notice_states import TERMINAL, TRANSITIONS, TransitionNotAllowed, check_transition

ALLOWED = sorted((a, b) for a, targets in TRANSITIONS.items() for b in targets)
FORBIDDEN = sorted((a, b) for a in NoticeStatus for b in NoticeStatus if b not in TRANSITIONS[a])


def test_every_state_is_covered() -> None:
    assert set(TRANSITIONS) == set(NoticeStatus)
    assert {NoticeStatus.paid, NoticeStatus.cancelled} == TERMINAL


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_allowed(current: NoticeStatus, target: NoticeStatus) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), FORBIDDEN)
def test_forbidden(current: NoticeStatus, target: NoticeStatus) -> None:
    with pytest.raises(TransitionNotAllowed) as info:
        check_transition(current, target)
    assert info.value.status_code == 409 and str(current) in str(info.value)


def test_the_main_road_is_open() -> None:
    road = [NoticeStatus.issued, NoticeStatus.delivered, NoticeStatus.acknowledged, NoticeStatus.paid]
    for a, b in itertools.pairwise(road):
        check_transition(a, b)
