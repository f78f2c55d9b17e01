"""Which detections are the same violation: riders side by side on red are not merged into one."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.time import utc_now
from detection.camera import EvidenceFrame, ViolationEvent
from detection.rules.base import Finding
from detection.vehicles import VehicleClass
from penalties.cameras.models import Camera
from penalties.candidates.dedup import dedup_key
from penalties.candidates.merge import merge_target
from tests.support.factories import make_candidate

FRAME = np.zeros((4, 4, 3), np.uint8)


def red_light(at, box: tuple[int, int, int, int]) -> ViolationEvent:
    finding = Finding("RED_LIGHT", 7, at, {"time_into_red_s": 6.0})
    key = EvidenceFrame(40, at, FRAME, box)
    return ViolationEvent("HCM-Q1-001", finding, VehicleClass.motorbike, None, None, [key], [key], None, {})


def test_two_riders_in_one_frame_have_their_own_keys() -> None:
    at = utc_now()
    left, right = red_light(at, (100, 300, 140, 380)), red_light(at, (400, 300, 440, 385))
    assert dedup_key(left) != dedup_key(right)
    assert dedup_key(left) == dedup_key(red_light(at, (100, 300, 140, 380)))  # the same event seen again


def test_a_plateless_event_merges_only_with_the_same_vehicle(db: Session) -> None:
    at = utc_now() - timedelta(hours=1)
    first = make_candidate(db, code="RED_LIGHT", plate=None, detected_at=at, vehicle_class="motorbike")
    first.provenance = {"box": [100, 300, 140, 380]}
    db.flush()
    camera = db.scalars(select(Camera)).one()
    later = at + timedelta(milliseconds=300)
    assert merge_target(db, camera, red_light(later, (104, 302, 146, 386))) is first  # a step further on
    assert merge_target(db, camera, red_light(later, (400, 300, 440, 385))) is None  # the rider beside it
    assert merge_target(db, camera, red_light(at + timedelta(seconds=2), (104, 302, 146, 386))) is None
