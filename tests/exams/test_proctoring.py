"""Online exam proctoring end to end: admission keeps the face, webcam re-verification flags, the
duplicate-face flag, the proctor's queue with the frame, resolutions, roles, bad input and the purge."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import at_rest
from core.config import get_settings
from core.db import session_scope
from core.evidence import get_blob_store
from core.models import AuditEntry, Role
from core.time import utc_now
from exams.models import Registration
from exams.proctoring.models import FaceReference, ProctorFlag
from exams.proctoring.service import EMBEDDING, EVIDENCE_KEEP, EXAM_WINDOW, Purged, purge
from exams.schemas import FILE_MAX_BYTES
from identity.chip.datagroups import decode_dg2
from identity.face.backend import Face, FakeFaceBackend
from identity.face.match import decode_image
from identity.fixtures.citizens import Citizen
from registry.models import Citizen as RegisteredCitizen
from tests.exams.conftest import ME, OTHER, b64, chip_json, face, open_exam, png, textured
from tests.support.factories import citizen_token, staff_headers
from tests.support.identity import citizen, pki

SOMEONE = np.full(128, -0.1)  # a third person, far from ME and OTHER


@dataclass
class Online:
    client: TestClient
    fake: FakeFaceBackend
    headers: dict[str, str]
    exam_id: str

    def register(self, c: Citizen) -> None:
        body = {"cccd": c.id12, "full_name": c.full_name}
        resp = self.client.post(f"/api/exams/{self.exam_id}/candidates", json=body, headers=self.headers)
        assert resp.status_code == 201, resp.text

    def admit(self, c: Citizen, embedding: np.ndarray, seed: int) -> dict[str, Any]:
        """Check ``c`` in with a genuine chip whose photo and live frames hold the face ``embedding``."""
        chip = pki().chip(c)
        self.fake.register(decode_image(decode_dg2(chip.dg2 or b"")), [(face(), embedding)])
        frames = []
        for i, yaw in enumerate((0, -12, 12)):
            image = self.fake.register(textured(seed * 10 + i), [(face(yaw), embedding)])
            frames.append(b64(png(image)))
        body = {"cccd": c.id12, "chip": chip_json(chip), "frames": frames}
        resp = self.client.post(f"/api/exams/{self.exam_id}/checkins", json=body, headers=self.headers)
        assert resp.status_code == 201 and resp.json()["verdict"] == "admitted", resp.text
        return dict(resp.json())

    def frame(self, faces: list[tuple[Face, np.ndarray]], seed: int, image: np.ndarray | None = None) -> str:
        picture = textured(1000 + seed) if image is None else image
        return b64(png(self.fake.register(picture, faces)))

    def reverify(self, c: Citizen, frame: str, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(
            f"/api/exams/{self.exam_id}/candidates/{c.id12}/reverifications",
            json={"frame": frame},
            headers=headers or self.headers,
        )

    def flags(self, **params: Any) -> Any:
        return self.client.get(f"/api/exams/{self.exam_id}/flags", params=params, headers=self.headers)


@pytest.fixture
def online(app: FastAPI, client: TestClient) -> Iterator[Online]:
    fake, headers, exam_id = open_exam(
        app, client, kind="online", prefix="ON", centre="Thi trực tuyến", starts_at=utc_now().isoformat()
    )
    exam = Online(client, fake, headers, exam_id)
    exam.register(citizen(0))
    exam.register(citizen(1))
    yield exam
    app.dependency_overrides.clear()


def _count(db: Session, model: Any, **where: Any) -> int:
    db.rollback()  # a fresh snapshot: the requests committed in their own sessions
    query = select(func.count()).select_from(model).filter_by(**where)
    return db.scalar(query) or 0


def _audit(db: Session, action: str) -> list[AuditEntry]:
    db.rollback()
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)))


def test_admission_keeps_the_face_for_the_exam_only_and_a_good_frame_is_ok(
    online: Online, db: Session
) -> None:
    c = citizen(0)
    online.admit(c, ME, seed=1)
    db.rollback()
    [ref] = db.scalars(select(FaceReference))
    assert utc_now() + EXAM_WINDOW - timedelta(minutes=5) <= ref.keep_until <= utc_now() + EXAM_WINDOW
    assert np.asarray(ME, "<f8").tobytes() not in ref.embedding  # encrypted at rest
    opened = at_rest.decrypt(EMBEDDING, ref.embedding, ref.registration_id.bytes)
    assert np.frombuffer(opened, "<f8").tolist() == ME.tolist()

    resp = online.reverify(c, online.frame([(face(), ME)], seed=1))
    assert resp.status_code == 201, resp.text
    assert resp.json() == {"outcome": "ok", "code": "ok", "distance": 0.0, "threshold": 0.5, "flag_id": None}
    assert _count(db, ProctorFlag) == 0
    [entry] = _audit(db, "exam.reverified")
    assert entry.detail["outcome"] == "ok" and entry.detail["owner_cccd"] == c.id12


def test_a_held_face_that_does_not_open_is_refused_clearly(
    online: Online, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A held embedding copied onto another candidate's row, or read under another key, does not open:
    re-verification answers NoReference (admit again), and nothing is flagged."""
    mine, theirs = citizen(0), citizen(1)
    online.admit(mine, ME, seed=1)
    online.admit(theirs, OTHER, seed=2)
    db.rollback()
    held = {
        reg.cccd: ref
        for ref, reg in db.execute(
            select(FaceReference, Registration).join(
                Registration, Registration.id == FaceReference.registration_id
            )
        )
    }
    held[theirs.id12].embedding = held[mine.id12].embedding  # moved: still bound to my registration
    db.commit()
    resp = online.reverify(theirs, online.frame([(face(), ME)], seed=1))
    assert resp.status_code == 409 and resp.json()["error"] == "NoReference", resp.text
    assert "cannot be read" in resp.json()["detail"]
    # Admitting again beside a held face that does not open: admitted, that row skipped, no flag
    # (opened, it would be my own face again: a duplicate).
    online.admit(mine, ME, seed=3)
    assert _count(db, ProctorFlag) == 0
    resp = online.reverify(mine, online.frame([(face(), ME)], seed=1))
    assert resp.status_code == 201 and resp.json()["outcome"] == "ok", resp.text

    monkeypatch.setattr(get_settings(), "biometric_key", "another-key-" + "k" * 40)
    resp = online.reverify(mine, online.frame([(face(), ME)], seed=1))
    assert resp.status_code == 409 and resp.json()["error"] == "NoReference", resp.text
    assert _count(db, ProctorFlag) == 0


@pytest.mark.parametrize(
    ("kind", "code", "faces", "flat"),
    [
        ("no_face", "face.none", [], False),
        (
            "several_faces",
            "face.several",
            [(face(), ME), (Face((300, 100, 460, 260), face().landmarks), OTHER)],
            False,
        ),
        ("different_face", "face.mismatch", [(face(), OTHER)], False),
        ("unusable", "face.blurred", [(face(), ME)], True),
        ("unusable", "face.turned", [(face(25), ME)], False),
    ],
)
def test_each_bad_frame_raises_its_flag_with_the_frame_as_evidence(
    online: Online, db: Session, kind: str, code: str, faces: list[tuple[Face, np.ndarray]], flat: bool
) -> None:
    c = citizen(0)
    online.admit(c, ME, seed=2)
    image = np.full((480, 640, 3), 128, np.uint8) if flat else None
    resp = online.reverify(c, online.frame(faces, seed=2, image=image))
    assert resp.status_code == 201, resp.text
    out = resp.json()
    assert (out["outcome"], out["code"]) == (kind, code) and out["flag_id"]
    if kind == "different_face":
        assert out["distance"] > out["threshold"] == 0.5

    queue = online.flags()
    assert queue.status_code == 200
    [flag] = queue.json()["items"]
    assert (flag["id"], flag["kind"], flag["code"], flag["cccd"]) == (out["flag_id"], kind, code, c.id12)
    evidence = online.client.get(flag["evidence_url"], headers=online.headers)
    assert evidence.status_code == 200 and evidence.headers["content-type"] == "image/jpeg"
    assert decode_image(evidence.content).shape == (480, 640, 3)
    reads = [e for e in _audit(db, "exam_proctor_flag.read") if e.object_id == out["flag_id"]]
    assert len(reads) == 1 and reads[0].detail["owner_cccd"] == c.id12
    assert _audit(db, "exam_proctor_flags.read")[0].detail["owners"] == [c.id12]


def test_the_same_face_admitted_as_two_candidates_flags_both(online: Online, db: Session) -> None:
    first, second = citizen(0), citizen(1)
    online.admit(first, ME, seed=3)
    online.admit(second, ME, seed=4)  # another card, the same face
    items = online.flags().json()["items"]
    assert sorted((f["cccd"], f["kind"]) for f in items) == sorted(
        [(first.id12, "duplicate_face"), (second.id12, "duplicate_face")]
    )
    by_cccd = {f["cccd"]: f for f in items}
    assert by_cccd[first.id12]["other_registration_id"] == by_cccd[second.id12]["registration_id"]
    assert by_cccd[second.id12]["other_registration_id"] == by_cccd[first.id12]["registration_id"]
    assert all(f["distance"] == 0.0 and f["evidence_url"] for f in items)


def test_different_faces_admitted_raise_no_duplicate_flag(online: Online) -> None:
    online.admit(citizen(0), ME, seed=5)
    online.admit(citizen(1), SOMEONE, seed=6)
    assert online.flags().json()["total"] == 0


def test_a_driving_test_keeps_no_face_and_cannot_be_reverified(
    app: FastAPI, online: Online, db: Session
) -> None:
    made = online.client.post(
        "/api/exams",
        json={
            "code": f"DT-{uuid.uuid4().hex[:8]}",
            "kind": "driving_test",
            "centre": "Q9",
            "starts_at": utc_now().isoformat(),
        },
        headers=online.headers,
    )
    online.exam_id = made.json()["id"]
    online.register(citizen(0))
    online.admit(citizen(0), ME, seed=7)
    assert _count(db, FaceReference) == 0
    resp = online.reverify(citizen(0), online.frame([(face(), ME)], seed=7))
    assert resp.status_code == 409 and resp.json()["error"] == "NotOnlineExam"


def test_a_candidate_not_admitted_cannot_be_reverified(online: Online, db: Session) -> None:
    resp = online.reverify(citizen(0), online.frame([(face(), ME)], seed=8))
    assert resp.status_code == 409 and resp.json()["error"] == "NoReference"
    assert _count(db, ProctorFlag) == 0


def test_the_proctor_dismisses_or_confirms_a_flag_with_a_reason_once(online: Online, db: Session) -> None:
    c = citizen(0)
    online.admit(c, ME, seed=9)
    flag_id = online.reverify(c, online.frame([], seed=9)).json()["flag_id"]
    url = f"/api/exams/{online.exam_id}/flags/{flag_id}/resolution"
    short = online.client.post(url, json={"decision": "dismissed", "reason": ""}, headers=online.headers)
    assert short.status_code == 422
    done = online.client.post(
        url, json={"decision": "confirmed", "reason": "Rời khỏi máy"}, headers=online.headers
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "confirmed" and done.json()["resolution_reason"] == "Rời khỏi máy"
    again = online.client.post(url, json={"decision": "dismissed", "reason": "oops"}, headers=online.headers)
    assert again.status_code == 409 and again.json()["error"] == "FlagResolved"
    [entry] = _audit(db, "exam.flag_resolved")
    assert entry.object_id == flag_id and entry.detail["reason"] == "Rời khỏi máy"
    assert online.flags().json()["total"] == 0
    assert online.flags(status="confirmed").json()["total"] == 1


def test_the_queue_is_paginated(online: Online) -> None:
    c = citizen(0)
    online.admit(c, ME, seed=10)
    for i in range(3):
        assert online.reverify(c, online.frame([], seed=20 + i)).status_code == 201
    first = online.flags(page=1, size=2).json()
    second = online.flags(page=2, size=2).json()
    assert first["total"] == second["total"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert {f["id"] for f in first["items"]}.isdisjoint(f["id"] for f in second["items"])


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not base64!", "input.base64"),
        (b64(b"plain text, not an image"), "face.image_unreadable"),
        (b64(b"\0" * (FILE_MAX_BYTES + 1)), "input.too_large"),
    ],
)
def test_bad_frames_are_refused_and_record_nothing(
    online: Online, db: Session, frame: str, code: str
) -> None:
    online.admit(citizen(0), ME, seed=11)
    resp = online.reverify(citizen(0), frame)
    assert resp.status_code == 422 and resp.json()["detail"]["code"] == code
    assert resp.json()["detail"]["vi"] and resp.json()["detail"]["en"]
    assert _count(db, ProctorFlag) == 0 and not _audit(db, "exam.reverified")


def test_roles_reviewers_and_citizens_cannot_use_the_proctor_api(online: Online) -> None:
    online.admit(citizen(0), ME, seed=12)
    reviewer = staff_headers(Role.reviewer)
    assert online.reverify(citizen(0), online.frame([], seed=12), headers=reviewer).status_code == 403
    assert online.client.get(f"/api/exams/{online.exam_id}/flags", headers=reviewer).status_code == 403
    assert online.client.get(f"/api/exams/{online.exam_id}/flags").status_code == 401


def _sign_in(online: Online, db: Session, c: Citizen) -> dict[str, str]:
    db.add(
        RegisteredCitizen(
            cccd=c.id12, full_name=c.full_name, birth_date=c.birth_date, sex=c.sex, address="Hà Nội"
        )
    )
    db.commit()
    return {"Authorization": f"Bearer {citizen_token(online.client, c.id12)}"}


def test_a_candidate_reverifies_themself_and_never_someone_else(online: Online, db: Session) -> None:
    me, other = citizen(0), citizen(1)
    online.admit(me, ME, seed=13)
    mine = _sign_in(online, db, me)
    url = f"/api/exams/{online.exam_id}/me/reverifications"
    ok = online.client.post(url, json={"frame": online.frame([(face(), ME)], seed=13)}, headers=mine)
    assert ok.status_code == 201 and ok.json()["outcome"] == "ok"
    # the officers' route, naming another candidate, is closed to a citizen
    assert online.reverify(other, online.frame([], seed=14), headers=mine).status_code == 403

    theirs = _sign_in(online, db, other)  # registered, not admitted: their own call names only them
    resp = online.client.post(url, json={"frame": online.frame([], seed=15)}, headers=theirs)
    assert resp.status_code == 409 and resp.json()["error"] == "NoReference"
    assert _count(db, ProctorFlag) == 0
    assert online.client.get(f"/api/exams/{online.exam_id}/flags", headers=mine).status_code == 403


def test_the_purge_deletes_ended_exams_faces_and_resolved_flags_frames(online: Online, db: Session) -> None:
    c = citizen(0)
    online.admit(c, ME, seed=16)
    kept_id = online.reverify(c, online.frame([], seed=16)).json()["flag_id"]
    gone_id = online.reverify(c, online.frame([], seed=17)).json()["flag_id"]
    url = f"/api/exams/{online.exam_id}/flags/{gone_id}/resolution"
    assert (
        online.client.post(
            url, json={"decision": "dismissed", "reason": "Ánh sáng"}, headers=online.headers
        ).status_code
        == 200
    )
    db.rollback()
    gone_key = db.get(ProctorFlag, uuid.UUID(gone_id)).evidence_key  # type: ignore[union-attr]
    store = get_blob_store()
    assert gone_key and store.exists(gone_key)

    with session_scope() as s:  # within the exam and the retention: nothing goes
        assert purge(s, store, now=utc_now() + timedelta(minutes=1)) == Purged(0, 0)
    assert _count(db, FaceReference) == 1

    with session_scope() as s:
        done = purge(s, store, now=utc_now() + EVIDENCE_KEEP + timedelta(minutes=1))
    assert (done.references, done.frames) == (1, 1)
    db.rollback()
    gone, kept = db.get(ProctorFlag, uuid.UUID(gone_id)), db.get(ProctorFlag, uuid.UUID(kept_id))
    assert gone is not None and kept is not None
    assert gone.evidence_key is None and gone.evidence_purged_at is not None and not store.exists(gone_key)
    assert kept.evidence_key and store.exists(kept.evidence_key)  # open: the proctor has not looked yet
    assert _count(db, FaceReference) == 0
    evidence = online.client.get(
        f"/api/exams/{online.exam_id}/flags/{gone_id}/evidence", headers=online.headers
    )
    assert evidence.status_code == 404
    resp = online.reverify(c, online.frame([(face(), ME)], seed=18))
    assert resp.status_code == 409 and resp.json()["error"] == "NoReference"
