"""Heads to motorbikes, rider order, possible children and the track vote, on boxes written by hand."""

import numpy as np
import pytest

from detection.helmets import (
    Helmet,
    MotorbikeRiders,
    Rider,
    assign_heads,
    bare_scores,
    call_bare,
    dedupe_heads,
    front_to_back,
    possible_children,
    riders_per_motorbike,
    vote,
)
from detection.types import Detections

NAMES = ("motorbike", "head_helmet", "head_no_helmet")
HELMET, BARE = 1, 2


def _heads(*rows: tuple[float, float, float, float, int, float]) -> Detections:
    return Detections(
        np.array([r[:4] for r in rows], np.float32).reshape(-1, 4),
        np.array([r[5] for r in rows], np.float32),
        np.array([r[4] for r in rows], np.int64),
        NAMES,
    )


# A motorbike box 100..200 × 300..400: its rider zone spans x 85..215 and y 180..360.
BIKE = np.array([[100, 300, 200, 400]], np.float32)


@pytest.mark.parametrize(
    ("head", "on_bike"),
    [
        ((140, 220, 160, 245), True),  # above the seat
        ((140, 170, 160, 185), False),  # centre at y 177.5: too far above
        ((140, 350, 160, 375), False),  # centre at y 362.5: too low on the bike to be a head
        ((205, 250, 225, 270), True),  # centre at x 215 is the zone's edge: in (≤)...
        ((210, 250, 230, 270), False),  # ...x 220 is past it
        ((86, 250, 100, 270), True),  # centre x 93: within the 15 % side margin
    ],
)
def test_a_head_belongs_to_the_motorbike_under_it(head: tuple[int, int, int, int], on_bike: bool) -> None:
    heads = _heads((*head, HELMET, 0.9))
    assert assign_heads(heads, BIKE) == ([[0]] if on_bike else [[]])


def test_a_head_between_two_motorbikes_goes_to_the_nearer_centre_line() -> None:
    bikes = np.array([[100, 300, 200, 400], [190, 300, 290, 400]], np.float32)
    heads = _heads((200, 230, 220, 250, HELMET, 0.9), (250, 230, 270, 250, BARE, 0.8))  # x 210 in both zones
    assert assign_heads(heads, bikes) == [[], [0, 1]]


def test_a_neighbour_in_view_claims_the_heads_nearer_its_centre_line() -> None:
    # The head at x 210 is in BIKE's zone (85..215) but nearer the neighbour's centre line (x 240).
    heads = _heads((140, 220, 160, 245, HELMET, 0.9), (200, 230, 220, 250, BARE, 0.8))
    neighbour = np.array([[190, 300, 290, 400]], np.float32)
    assert riders_per_motorbike(heads, BIKE)[0].count == 2
    (bike,) = riders_per_motorbike(heads, BIKE, neighbours=neighbour)
    assert bike.count == 1 and bike.riders[0].head == (140, 220, 160, 245)
    # No neighbour near: nothing changes.
    far = np.array([[600, 300, 700, 400]], np.float32)
    assert riders_per_motorbike(heads, BIKE, neighbours=far)[0].count == 2


def test_the_same_head_from_two_crops_counts_once() -> None:
    heads = _heads(
        (140, 220, 160, 245, BARE, 0.6), (141, 221, 161, 246, BARE, 0.9), (170, 215, 190, 240, 1, 0.8)
    )
    kept = dedupe_heads(heads)
    assert len(kept) == 2 and sorted(kept.confidence.tolist()) == pytest.approx([0.8, 0.9])


def test_possible_children_are_small_heads_beside_adults() -> None:
    assert possible_children([40.0]) == [False]  # alone: nothing to compare with
    assert possible_children([40.0, 38.0]) == [False, False]
    assert possible_children([40.0, 25.0]) == [False, True]
    assert possible_children([40.0, 42.0, 28.0]) == [False, False, True]


# Two heads side by side: A on the left (lower), B on the right (higher).
A, B = (100, 120, 120, 150), (140, 110, 160, 140)


@pytest.mark.parametrize(
    ("travel", "front"),
    [
        ((5.0, 0.5), 1),  # moving right: B is ahead
        ((-5.0, 0.5), 0),  # moving left: A is ahead
        ((0.2, 4.0), 0),  # approaching (down the image): the lowest head, A
        ((0.2, -4.0), 1),  # going away: the highest head, B
        (None, 0),  # unknown: as approaching
    ],
)
def test_front_rider_by_travel(travel: tuple[float, float] | None, front: int) -> None:
    assert front_to_back(np.array([A, B], np.float32), travel)[0] == front


def test_the_driver_is_the_front_adult_not_a_child_in_front() -> None:
    # A child sits in front of the driver (lowest head, approaching), then the driver, then a passenger.
    heads = _heads(
        (145, 250, 157, 265, BARE, 0.9),  # small head, lowest
        (140, 215, 165, 245, HELMET, 0.9),  # driver
        (150, 205, 175, 235, HELMET, 0.9),  # passenger behind, higher
    )
    (bike,) = riders_per_motorbike(heads, BIKE)
    assert bike.count == 3
    assert [r.head[1] for r in bike.riders] == [215, 250, 205]
    assert [r.possible_child for r in bike.riders] == [False, True, False]
    assert [r.position for r in bike.riders] == [0, 1, 2]


def _frame(*riders: tuple[bool, float, float]) -> MotorbikeRiders:
    """riders: (helmet, confidence, head height)."""
    return MotorbikeRiders(
        (0, 0, 100, 100),
        tuple(Rider((0, 0, 20, h), helmet, conf, i, False) for i, (helmet, conf, h) in enumerate(riders)),
    )


def test_one_bare_frame_among_helmeted_ones_is_not_a_finding() -> None:
    seen = [(i, _frame((True, 0.8, 30))) for i in range(5)] + [(5, _frame((False, 0.9, 30)))]
    verdict = vote(seen)
    assert verdict.count == 1 and verdict.riders[0].helmet is Helmet.worn
    assert verdict.riders[0].frames == (0, 1, 2, 3, 4)


def test_bare_in_enough_clear_frames_is_missing() -> None:
    seen = [(i, _frame((True, 0.8, 30), (False, 0.7, 28))) for i in range(4)]
    seen.append((9, _frame((True, 0.8, 30), (False, 0.2, 28))))  # unsure: not a clear frame
    verdict = vote(seen)
    assert verdict.count == 2
    assert [r.helmet for r in verdict.riders] == [Helmet.worn, Helmet.missing]
    assert verdict.riders[1].frames == (0, 1, 2, 3) and verdict.riders[1].confidence == pytest.approx(0.7)


def test_too_few_clear_frames_decide_nothing() -> None:
    seen = [(0, _frame((False, 0.9, 30))), (1, _frame((False, 0.9, 30))), (2, _frame((False, 0.9, 8)))]
    assert vote(seen).count == 0 and vote(seen).riders == ()


def test_disagreeing_frames_leave_the_rider_unclear() -> None:
    seen = [(i, _frame((i % 2 == 0, 0.8, 30))) for i in range(6)]
    assert vote(seen).riders[0].helmet is Helmet.unclear


def test_the_count_is_the_one_seen_in_most_frames_ties_to_the_smaller() -> None:
    two = [(i, _frame((True, 0.8, 30), (True, 0.8, 30))) for i in range(4)]
    three = [(10 + i, _frame((True, 0.8, 30), (True, 0.8, 30), (True, 0.8, 30))) for i in range(3)]
    assert vote(two + three).count == 2
    three.append((20, three[0][1]))
    assert vote(two + three).count == 2  # 4 against 4: the smaller count
    three.append((21, three[0][1]))
    assert vote(two + three).count == 3


def test_a_head_is_called_bare_by_its_no_helmet_score_even_below_its_helmet_score() -> None:
    heads = _heads(
        (0, 0, 20, 20, HELMET, 0.7),  # helmet 0.7, but a no-helmet box of 0.25 on it
        (50, 0, 70, 20, HELMET, 0.9),  # no no-helmet box at all
        (100, 0, 120, 20, BARE, 0.6),
        (0, 100, 90, 160, 0, 0.8),  # a motorbike stays a motorbike
    )
    bare = Detections(
        np.array([[1, 1, 21, 21], [100, 0, 120, 20], [0, 100, 90, 160]], np.float32),
        np.array([0.25, 0.6, 0.3], np.float32),
        np.array([0, 0, 0], np.int64),
        ("head_no_helmet",),
    )
    scores = bare_scores(heads, bare)
    assert scores.tolist() == pytest.approx([0.25, 0.0, 0.6, 0.3])
    called = call_bare(heads, scores, 0.2)
    assert [called.name(i) for i in range(4)] == [
        "head_no_helmet",
        "head_helmet",
        "head_no_helmet",
        "motorbike",
    ]
    assert called.confidence.tolist() == pytest.approx(heads.confidence.tolist())
    assert [call_bare(heads, scores, 0.3).name(i) for i in range(3)] == [
        "head_helmet",
        "head_helmet",
        "head_no_helmet",
    ]
