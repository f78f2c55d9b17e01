"""Motorbikes kept in view by their riders (detection/rider_support.py): who rides a motorbike box,
and when a rider's box stands in for a motorbike the detector no longer finds."""

import numpy as np

from detection.rider_support import Carrier, box_key, carried, carrier_of
from detection.types import Detections

NAMES = ("car", "motorbike", "bus", "truck")
BIKE = (176.0, 356.0, 216.0, 405.0)  # a waiting motorbike, 40 × 49 px
RIDER = (180.0, 316.0, 218.0, 397.0)  # its rider: head above it, legs in its lower half


def people(*boxes: tuple[float, ...], conf: float = 0.6) -> Detections:
    return Detections(
        np.array(boxes, np.float32).reshape(-1, 4),
        np.full(len(boxes), conf, np.float32),
        np.zeros(len(boxes), np.int64),
        ("person",),
    )


def vehicles(*found: tuple[tuple[float, ...], float]) -> Detections:
    return Detections(
        np.array([b for b, _ in found], np.float32).reshape(-1, 4),
        np.array([c for _, c in found], np.float32),
        np.ones(len(found), np.int64),
        NAMES,
    )


def test_the_seated_rider_is_the_carrier() -> None:
    behind = (200.0, 300.0, 240.0, 370.0)  # centre over the bike, but ends in its upper half
    beside = (230.0, 310.0, 270.0, 400.0)  # centre outside the bike
    carrier = carrier_of(BIKE, people(behind, beside, RIDER))
    assert carrier == Carrier(RIDER, BIKE)
    assert carrier_of(BIKE, people(behind, beside)) is None
    assert carrier_of(BIKE, people(RIDER, conf=0.2)) is None  # too unsure a person


def test_the_motorbike_moves_as_its_riders_head_and_centre_move() -> None:
    carrier = Carrier(RIDER, BIKE)
    assert carrier.bike_box(RIDER) == BIKE  # a rider who stays put: no jitter
    moved = (RIDER[0] + 10, RIDER[1] - 20, RIDER[2] + 10, RIDER[3] - 40)  # legs lifted, moving off
    assert carrier.bike_box(moved) == (BIKE[0] + 10, BIKE[1] - 20, BIKE[2] + 10, BIKE[3] - 20)
    assert carrier.moved_to(moved) == Carrier(moved, carrier.bike_box(moved))


def test_a_faded_motorbike_is_placed_from_its_rider_and_weak_boxes_on_it_dropped() -> None:
    faded = (BIKE, 0.06)
    elsewhere = ((400.0, 300.0, 440.0, 350.0), 0.8)
    out, placed = carried(
        vehicles(faded, elsewhere), people(RIDER), {7: (Carrier(RIDER, BIKE), BIKE)}, 1, 0.15
    )
    assert placed == {box_key(BIKE): (7, RIDER)}
    assert sorted(round(float(c), 2) for c in out.confidence) == [0.15, 0.8]  # the weak box gave way
    assert out.name(int(np.argmin(out.confidence))) == "motorbike"


def test_no_stand_in_when_the_motorbike_is_found_or_its_rider_is_not() -> None:
    memory = {7: (Carrier(RIDER, BIKE), BIKE)}
    found = vehicles((BIKE, 0.5))
    assert carried(found, people(RIDER), memory, 1, 0.15)[1] == {}
    far = (RIDER[0] + 60, RIDER[1], RIDER[2] + 60, RIDER[3])  # someone else, elsewhere
    assert carried(vehicles(), people(far), memory, 1, 0.15)[1] == {}
    assert carried(vehicles(), people(RIDER, conf=0.2), memory, 1, 0.15)[1] == {}


def test_one_rider_stands_for_one_motorbike() -> None:
    memory = {7: (Carrier(RIDER, BIKE), BIKE), 8: (Carrier(RIDER, BIKE), BIKE)}
    _, placed = carried(vehicles(), people(RIDER), memory, 1, 0.15)
    assert len(placed) == 1
