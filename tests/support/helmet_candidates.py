"""Helmet candidates made from a real held-out helmet_dev photo (read in place): the photo's riders go
through the camera loop's own vote, rules and kept looks (detection.camera_helmets.TrackHelmets) and
the event is recorded with its evidence package like the pipeline's. The riders are the photo's
hand-made head labels (real heads and crops; the detector is measured elsewhere)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.evidence import get_blob_store
from detection.camera import EvidenceFrame, ViolationEvent
from detection.camera_helmets import TrackHelmets
from detection.helmet_data import read_helmet_dev
from detection.helmets import MotorbikeRiders, assign_heads, crops_for, order_riders
from detection.models import HELMET_CLASSES
from detection.types import Detections
from detection.vehicles import VehicleClass
from penalties.cameras.config import LoadedCamera
from penalties.cameras.models import Camera
from penalties.cameras.seed import demo_config, seed_demo
from penalties.candidates.models import ViolationCandidate
from penalties.candidates.record import record_event
from tests.support.datasets import helmet_dev

CAMERA = "HCM-Q1-001"
# Held out of training (detection.helmet_data.helmet_part): the roadside camera, a helmeted driver
# carrying a passenger without one.
PHOTO = "images/helmonzy__Screenshot-291-_png.rf.ef40f81b2605e174928d1d17c37f91cb.jpg"
LOOKS = 3  # the vote needs three clear frames: the photo stands for three frames of one track


@dataclass(frozen=True)
class RealRiders:
    image: np.ndarray
    motorbike: tuple[float, float, float, float]
    riders: MotorbikeRiders
    source: str  # where the riders come from


def labelled_riders(photo: str = PHOTO) -> RealRiders:
    """The photo's motorbike and its riders from the hand-made head labels."""
    root = helmet_dev()
    item = next(i for i in read_helmet_dev(root) if i.image.name == photo.split("/")[-1])
    image = cv2.imread(str(item.image))
    names = tuple(HELMET_CLASSES.values())
    heads = Detections(
        np.array([h.box for h in item.heads], np.float32).reshape(-1, 4),
        np.full(len(item.heads), 0.95, np.float32),
        np.array([1 if h.helmet else 2 for h in item.heads]),
        names,
    )
    boxes = np.array([m.box for m in item.motorbikes], np.float32)
    assigned = assign_heads(heads, boxes)
    best = max(range(len(boxes)), key=lambda m: len(assigned[m]))
    box = tuple(float(v) for v in boxes[best])
    riders = MotorbikeRiders(box, order_riders(heads[assigned[best]]))  # type: ignore[arg-type]
    return RealRiders(image, box, riders, "labels")  # type: ignore[arg-type]


def helmet_event(camera_code: str, at: datetime, code: str, seen: RealRiders) -> ViolationEvent:
    state = TrackHelmets()
    crop = crops_for(seen.image.shape, np.array([seen.motorbike], np.float32))[0]
    for i in range(LOOKS):
        state.add(i, at - timedelta(seconds=0.2 * (LOOKS - 1 - i)), seen.image, seen.riders, crop)
    found = [(f, r) for f, r in state.findings(7) if f.code == code]
    if not found:
        raise AssertionError(f"the photo's riders make no {code} (riders: {seen.riders}, from {seen.source})")
    finding, riders = found[0]
    box = tuple(round(v) for v in seen.motorbike)
    frames = [EvidenceFrame(i, finding.at - timedelta(seconds=1 - i), seen.image, box) for i in range(2)]  # type: ignore[arg-type]
    return ViolationEvent(
        camera_code,
        finding,
        VehicleClass.motorbike,
        None,
        None,
        frames,
        frames,
        None,
        {"helmet_detector": seen.source},
        None,
        7,
        None,
        riders,
    )


def demo_camera(session: Session) -> tuple[Camera, LoadedCamera]:
    if session.scalar(select(Camera.id).where(Camera.code == CAMERA)) is None:
        seed_demo(session, random.Random(1))
    camera = session.scalars(select(Camera).where(Camera.code == CAMERA)).one()
    return camera, demo_config(session, camera)


def helmet_candidate(
    session: Session, at: datetime, code: str = "NO_HELMET_PASSENGER", seen: RealRiders | None = None
) -> ViolationCandidate:
    camera, config = demo_camera(session)
    event = helmet_event(camera.code, at, code, seen or labelled_riders())
    candidate = record_event(session, get_blob_store(), camera, event, config, None)
    assert candidate is not None
    return candidate
