"""Real photographs for the privacy tests (read in place from ../shared/datasets) and an evidence
package made of them through the camera pipeline's own code (record_event → package)."""

from __future__ import annotations

from datetime import timedelta

import cv2
import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.evidence import get_blob_store
from core.time import utc_now
from detection.camera import EvidenceFrame, ViolationEvent
from detection.privacy import PrivacyFilter
from detection.rules.base import Finding
from detection.vehicles import VehicleClass
from ocr.plate_format import PlateFamily, parse_plate
from ocr.reader import PlateRead
from ocr.vote import Verdict
from penalties.cameras.models import Camera
from penalties.cameras.seed import demo_config
from penalties.candidates.models import ViolationCandidate
from penalties.candidates.record import record_event
from tests.support.datasets import SHARED, _require

# helmet_dev: riders whose faces dlib finds (2-3 each); vn_real_dev: five motorbike plates in a row.
FACES = (
    "helmonzy__79_jpg.rf.71b8d4dde5b1ccbbb90079a2a0ab8ef5.jpg",
    "helmonzy__176_jpg.rf.2e548011d9a6900af94e9bc31b5f70b6.jpg",
)
PLATES = "monkez__xe-binh-dan-bien-dep-6.jpg"
OFFENDER = "71B333333"  # the leftmost plate of PLATES (labels.csv: 71-B3 333.33 at 8,245-79,298)
OFFENDER_TEXT = "71-B3 333.33"
OFFENDER_BOX = (8, 245, 79, 298)
OFFENDER_VEHICLE = (0, 70, 150, 400)  # the motorbike round that plate (drawn by eye)


def face_photo(name: str) -> np.ndarray:
    return _read(SHARED / "datasets" / "helmet_dev" / "images" / name)


def plate_photo() -> np.ndarray:
    return _read(SHARED / "datasets" / "vn_real_dev" / "images" / PLATES)


def _read(path: object) -> np.ndarray:
    image = cv2.imread(str(_require(path)))  # type: ignore[arg-type]
    assert image is not None, path
    return image


@pytest.fixture(scope="session")
def privacy_filter() -> PrivacyFilter:
    """The detectors, loaded once for the session (the same instance the application uses)."""
    from penalties.candidates.privacy import privacy_filter as shared

    return shared()


def iou(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def packaged_candidate(db: Session) -> ViolationCandidate:
    """A red-light candidate with a real evidence package: the frame before shows riders' faces, the
    frame at the violation the offender's motorbike among four others; the clip shows both scenes."""
    camera = Camera(
        code="HCM-Q1-077",
        name="Ngã tư Lê Lợi – Pasteur",
        road="Lê Lợi",
        province_code="51",
        latitude=10.77,
        longitude=106.70,
        speed_limit_kmh=50,
    )
    db.add(camera)
    db.flush()
    at = utc_now() - timedelta(days=1)
    plates, faces = plate_photo(), face_photo(FACES[0])
    frames = [
        EvidenceFrame(0, at - timedelta(seconds=1), faces, None),
        EvidenceFrame(25, at, plates, OFFENDER_VEHICLE),
    ]
    clip = [
        EvidenceFrame(i, at - timedelta(seconds=1) + timedelta(seconds=0.25 * i), image, None)
        for i, image in enumerate([faces, faces, plates, plates, plates])
    ]
    x1, y1, x2, y2 = OFFENDER_BOX
    read = PlateRead(parse_plate(OFFENDER_TEXT, family=PlateFamily.motorbike), 0.95, (0.95,) * 9, 2)
    event = ViolationEvent(
        camera.code,
        Finding("RED_LIGHT", 1, at, {"time_into_red_s": 1.2}),
        VehicleClass.motorbike,
        Verdict(read, 4.75, 5, 6, ()),
        plates[y1:y2, x1:x2].copy(),
        frames,
        clip,
        {"state": "red", "since": (at - timedelta(seconds=1.2)).isoformat(), "source": "test"},
        {"test": "real photographs, no detector run"},
    )
    candidate = record_event(db, get_blob_store(), camera, event, demo_config(db, camera), None)
    assert candidate is not None
    db.commit()
    return db.scalars(select(ViolationCandidate).where(ViolationCandidate.id == candidate.id)).one()
