"""One check-in through the real dlib face backend: a package-shipped public-domain portrait (Grace
Hopper) as the chip photo, a webcam-sized frame of her turning her head as the live frames."""

from __future__ import annotations

import numpy as np
from fastapi import FastAPI

from exams import routes
from identity.face.backend import load_backend
from identity.fixtures import faces as F
from tests.exams.conftest import Desk, b64, chip_json, png
from tests.support.identity import pki


def _turning(key: str, factor: float) -> list[np.ndarray]:
    frame = F.on_canvas(F.scale(F.portrait(key), factor))
    found = load_backend("dlib").detect(frame)[0]
    return [F.turned(frame, found.nose, s, found.eye_distance * 0.6) if s else frame for s in (0, -40, 40)]


def test_real_faces_admit_the_holder_and_refuse_another_person(desk: Desk, app: FastAPI) -> None:
    app.dependency_overrides.pop(routes.face_backend)  # the configured backend: dlib
    chip = chip_json(pki().chip(desk.candidate, face=F.chip_photo(F.portrait("hopper"))))

    holder = desk.checkin({"chip": chip, "frames": [b64(png(f)) for f in _turning("hopper", 0.75)]})
    body = holder.json()
    assert (body["verdict"], body["trust_level"]) == ("admitted", "person_bound"), body
    assert 0 < body["face_distance"] < body["face_threshold"] == 0.5

    other = desk.checkin({"chip": chip, "frames": [b64(png(f)) for f in _turning("zidane_right", 1.0)]})
    body = other.json()
    assert (body["verdict"], body["reason_code"]) == ("refused", "face.mismatch"), body
    assert body["face_distance"] > 0.5
