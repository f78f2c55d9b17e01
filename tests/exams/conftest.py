"""Exam check-in fixtures: the test CSCA in the configured trust folder, a scripted face backend (each
test registers the chip photo and frames it sends), an exam with a registered candidate."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.config import get_settings
from core.models import Role
from exams import routes
from identity.chip.datagroups import decode_dg2
from identity.chip.reader import ChipData
from identity.face.backend import Face, FakeFaceBackend
from identity.face.match import decode_image
from identity.face.policy import FacePolicy
from identity.fixtures.citizens import Citizen
from tests.support.factories import staff_headers
from tests.support.identity import citizen, pki

ME, OTHER = np.zeros(128), np.full(128, 0.1)  # distance ≈ 1.13: another person


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def face(yaw_px: float = 0.0) -> Face:
    # eye distance 60 px; the nose moved by yaw_px from the eyes' midpoint (12 px = yaw 0.2)
    return Face((100, 100, 260, 260), ((230, 150), (210, 150), (150, 150), (170, 150), (190 + yaw_px, 200)))


def textured(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (480, 640, 3), dtype=np.uint8)


def png(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", image)
    assert ok
    return buf.tobytes()


def chip_json(chip: ChipData) -> dict[str, Any]:
    return {
        "dg1": b64(chip.dg1),
        "sod": b64(chip.sod),
        "dg2": b64(chip.dg2) if chip.dg2 else None,
        "dg13": b64(chip.dg13) if chip.dg13 else None,
    }


@dataclass
class Desk:
    client: TestClient
    fake: FakeFaceBackend
    headers: dict[str, str]
    exam_id: str
    candidate: Citizen

    def chip(self, c: Citizen | None = None) -> ChipData:
        """A genuine chip of ``c`` (default the candidate) whose photo holds the candidate's face."""
        chip = pki().chip(c or self.candidate)
        photo = decode_image(decode_dg2(chip.dg2 or b""))
        self.fake.register(photo, [(face(), ME)])
        return chip

    def frames(self, embedding: np.ndarray = ME, seed: int = 0) -> list[str]:
        """A head turn (front, left, right) of the person with ``embedding``, as base64 PNG."""
        out = []
        for i, yaw in enumerate((0, -12, 12)):
            image = self.fake.register(textured(seed * 10 + i), [(face(yaw), embedding)])
            out.append(b64(png(image)))
        return out

    def checkin(self, body: dict[str, Any], cccd: str | None = None) -> Any:
        return self.client.post(
            f"/api/exams/{self.exam_id}/checkins",
            json={"cccd": cccd or self.candidate.id12, **body},
            headers=self.headers,
        )


def open_exam(
    app: FastAPI, client: TestClient, *, kind: str, prefix: str, centre: str, starts_at: str
) -> tuple[FakeFaceBackend, dict[str, str], str]:
    """The CSCA trust store written, the fake face backend and the default policy in place, and an exam
    made by an exam officer: (the fake backend, the officer's headers, the exam's id)."""
    pki().write_trust_dir(get_settings().resolved_csca_dir)
    fake = FakeFaceBackend()
    app.dependency_overrides[routes.face_backend] = lambda: fake
    app.dependency_overrides[routes.face_policy] = lambda: FacePolicy()
    headers = staff_headers(Role.exam_officer)
    made = client.post(
        "/api/exams",
        json={
            "code": f"{prefix}-{uuid.uuid4().hex[:8]}",
            "kind": kind,
            "centre": centre,
            "starts_at": starts_at,
        },
        headers=headers,
    )
    assert made.status_code == 201, made.text
    return fake, headers, made.json()["id"]


@pytest.fixture
def desk(app: FastAPI, client: TestClient) -> Iterator[Desk]:
    fake, headers, exam_id = open_exam(
        app,
        client,
        kind="driving_test",
        prefix="DT",
        centre="Trung tâm sát hạch Quận 9",
        starts_at="2026-12-05T01:00:00Z",
    )
    c = citizen(0)
    reg = client.post(
        f"/api/exams/{exam_id}/candidates", json={"cccd": c.id12, "full_name": c.full_name}, headers=headers
    )
    assert reg.status_code == 201, reg.text
    yield Desk(client, fake, headers, exam_id, c)
    app.dependency_overrides.clear()
