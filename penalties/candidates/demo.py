"""Demo violation candidates for `tvp demo`: drawn scenes with rendered plates of demo vehicles, packaged
as real evidence (files, manifest, camera chain) through the same code as the camera pipeline."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import cv2
import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.evidence import get_blob_store
from core.time import utc_now
from detection.camera import EvidenceFrame, ViolationEvent
from detection.footage import background, draw_light, homography
from detection.rules.base import Finding
from detection.vehicles import VehicleClass
from ocr.plate_format import PlateFamily, parse_plate
from ocr.reader import PlateRead
from ocr.render import Colour, Layout, PlateSpec, render_plate
from ocr.vote import Verdict
from penalties.cameras.models import Camera
from penalties.cameras.seed import demo_config
from penalties.candidates.models import ViolationCandidate
from penalties.candidates.record import record_event
from registry.models import Vehicle

VIOLATIONS: list[tuple[str, dict[str, Any]]] = [
    ("RED_LIGHT", {"time_into_red_s": 1.6, "stop_line": "stop-line"}),
    ("SPEED_10_20", {"speed_kmh": 64.2, "limit_kmh": 50, "fit_residual_m": 0.12}),
    ("SPEED_20_35", {"speed_kmh": 78.5, "limit_kmh": 50, "fit_residual_m": 0.09}),
    ("WRONG_LANE", {"lane": "lane-1"}),
]


def _scene(plate_img: np.ndarray, light: str, x: int, y: int) -> np.ndarray:
    frame = background(homography())
    draw_light(frame, light)
    cv2.rectangle(frame, (x, y), (x + 420, y + 260), (70, 40, 30), -1)  # a vehicle, schematically
    cv2.rectangle(frame, (x + 30, y + 20), (x + 390, y + 110), (160, 170, 175), -1)
    ph, pw = plate_img.shape[:2]
    scale = 150 / pw
    small = cv2.resize(plate_img, (150, round(ph * scale)), interpolation=cv2.INTER_AREA)
    sy, sx = y + 170, x + 135
    frame[sy : sy + small.shape[0], sx : sx + small.shape[1]] = small
    return frame


def seed_candidates(session: Session, rng: random.Random, count: int = 8) -> int:
    if session.scalar(select(func.count()).select_from(ViolationCandidate)):
        return 0
    vehicles = session.scalars(
        select(Vehicle)
        .where(Vehicle.vehicle_type.in_([VehicleClass.car, VehicleClass.truck]))
        .order_by(Vehicle.plate)
    ).all()
    cameras = session.scalars(select(Camera).order_by(Camera.code)).all()
    if not vehicles or not cameras:
        return 0
    store = get_blob_store()
    made = 0
    for i in range(count):
        vehicle, camera = rng.choice(vehicles), rng.choice(cameras)
        code, measured = rng.choice(VIOLATIONS)
        plate = parse_plate(vehicle.plate, family=PlateFamily.car)
        plate_img = render_plate(PlateSpec(plate, Layout.car_long, Colour.white))
        at = utc_now() - timedelta(days=rng.uniform(0.5, 9), seconds=i)
        light = "red" if code == "RED_LIGHT" else "green"
        frames = [
            EvidenceFrame(
                0, at - timedelta(seconds=1), _scene(plate_img, light, 760, 700), (760, 700, 1180, 960)
            ),
            EvidenceFrame(25, at, _scene(plate_img, light, 780, 560), (780, 560, 1200, 820)),
        ]
        confidence = round(rng.uniform(0.82, 0.99), 3)
        read = PlateRead(plate, confidence, tuple(confidence for _ in plate.compact), 1)
        event = ViolationEvent(
            camera.code,
            Finding(code, i, at, measured),
            VehicleClass.car,
            Verdict(read, confidence * 5, 5, 6, ()),
            plate_img,
            frames,
            frames,
            {"state": light, "since": (at - timedelta(seconds=1.6)).isoformat(), "source": "demo"}
            if code == "RED_LIGHT"
            else None,
            {"demo": "generated scene, no detector run"},
        )
        loaded = demo_config(session, camera)
        if record_event(session, store, camera, event, loaded, None) is not None:
            made += 1
    return made
