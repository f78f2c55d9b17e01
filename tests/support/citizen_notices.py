"""Notices as a citizen receives them, with a real evidence package (files, manifest, camera chain),
made through the same code as the camera pipeline and the review's issue step."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.evidence import get_blob_store
from core.plugins import load_tasks
from core.time import utc_now
from detection.camera import EvidenceFrame, ViolationEvent
from detection.rules.base import Finding
from detection.vehicles import VehicleClass
from ocr.plate_format import PlateFamily, parse_plate
from ocr.reader import PlateRead
from ocr.render import Colour, Layout, PlateSpec, render_plate
from ocr.vote import Verdict
from penalties.cameras.models import Camera
from penalties.cameras.seed import demo_config, seed_demo
from penalties.candidates.demo import _scene
from penalties.candidates.models import ViolationCandidate
from penalties.candidates.record import record_event
from penalties.law.assessment import assess
from penalties.notices.models import Notice, NoticeStatus
from penalties.notices.service import issue_notice
from registry.models import Citizen
from registry.provider import LocalRegistryProvider
from tests.support.factories import make_citizen, make_vehicle

CAMERA = "HCM-Q1-001"
load_tasks()  # issuing a notice queues its delivery job


def evidence_candidate(
    session: Session, plate_text: str, *, at: datetime, index: int = 0
) -> ViolationCandidate:
    """A red-light candidate of ``plate_text`` with its evidence package and chain link."""
    if session.scalar(select(Camera.id).where(Camera.code == CAMERA)) is None:
        seed_demo(session, random.Random(1))
    camera = session.scalars(select(Camera).where(Camera.code == CAMERA)).one()
    plate = parse_plate(plate_text, family=PlateFamily.car)
    plate_img = render_plate(PlateSpec(plate, Layout.car_long, Colour.white))
    frames = [
        EvidenceFrame(
            0, at - timedelta(seconds=1), _scene(plate_img, "red", 760, 700), (760, 700, 1180, 960)
        ),
        EvidenceFrame(25, at, _scene(plate_img, "red", 780, 560), (780, 560, 1200, 820)),
    ]
    read = PlateRead(plate, 0.95, tuple(0.95 for _ in plate.compact), 1)
    event = ViolationEvent(
        camera.code,
        Finding("RED_LIGHT", index, at, {"time_into_red_s": 1.6, "stop_line": "stop-line"}),
        VehicleClass.car,
        Verdict(read, 4.75, 5, 6, ()),
        plate_img,
        frames,
        frames,
        {"state": "red", "since": (at - timedelta(seconds=1.6)).isoformat(), "source": "test"},
        {"test": "generated scene"},
    )
    candidate = record_event(session, get_blob_store(), camera, event, demo_config(session, camera), None)
    assert candidate is not None
    return candidate


def issued_notice(
    session: Session,
    owner: Citizen,
    plate: str,
    *,
    status: NoticeStatus = NoticeStatus.delivered,
    issued_at: datetime | None = None,
    index: int = 0,
) -> Notice:
    """A notice to ``owner`` for a car ``plate`` (registered to them), in ``status``."""
    now = issued_at or utc_now()
    at = now - timedelta(days=1, hours=index)  # apart: within 5 minutes they would merge into one
    candidate = evidence_candidate(session, plate, at=at, index=index)
    vehicle = LocalRegistryProvider().lookup(session, plate)
    assert vehicle is not None and vehicle.owner.cccd == owner.cccd
    assessment = assess("RED_LIGHT", "car", candidate.detected_at)
    notice = issue_notice(session, candidate, vehicle, assessment, (), (), now=now)
    notice.status = status
    session.flush()
    return notice


def citizen_with_notice(
    session: Session, *, serial: int, plate: str, display: str, name: str = "Nguyễn Văn An", **kwargs: object
) -> tuple[Citizen, Notice]:
    citizen = make_citizen(session, serial=serial, name=name)
    make_vehicle(session, citizen, plate=plate, display=display)
    return citizen, issued_notice(session, citizen, plate, **kwargs)  # type: ignore[arg-type]
