"""The training API end to end (HTTP, the identity engine with the scripted face backend, the database,
the audit log). The check-in/check-out time comes from the ``clock`` dependency, set per test, so these
tests mean the same at any hour."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.config import get_settings
from core.models import AuditEntry, Role
from core.time import utc_now, vn_today
from exams import routes as exam_routes
from exams.training import routes
from exams.training.models import Enrolment, TrainingSession
from identity.face.backend import FakeFaceBackend
from identity.face.policy import FacePolicy
from penalties.decisions.service import issue_decision
from penalties.notices.models import NoticeStatus
from tests.exams.conftest import OTHER, Desk, chip_json
from tests.support.decisions import open_notice, supervisor_id
from tests.support.factories import make_citizen, staff_headers
from tests.support.identity import citizen, pki

T0 = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
H, M, S = timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1)


@dataclass
class Centre:
    desk: Desk  # the exam tests' helpers: a genuine chip of the learner, frames of a face
    now: datetime

    @property
    def client(self) -> TestClient:
        return self.desk.client

    @property
    def headers(self) -> dict[str, str]:
        return self.desk.headers

    def enrol(self, cccd: str | None = None, **extra: Any) -> Any:
        body = {
            "cccd": cccd or self.desk.candidate.id12,
            "full_name": self.desk.candidate.full_name,
            "centre": "Trung tâm đào tạo lái xe Quận 9",
            "course": "B-2026-12",
            "licence_class": "B",
            **extra,
        }
        return self.client.post("/api/training/enrolments", json=body, headers=self.headers)

    def check(self, enrolment_id: str, what: str, frames: list[str] | None = None, **card: Any) -> Any:
        body = {"chip": chip_json(self.desk.chip()), "frames": frames or self.desk.frames(), **card}
        url = f"/api/training/enrolments/{enrolment_id}/{what}"
        return self.client.post(url, json=body, headers=self.headers)


@pytest.fixture
def centre(app: FastAPI, client: TestClient) -> Iterator[Centre]:
    pki().write_trust_dir(get_settings().resolved_csca_dir)
    fake = FakeFaceBackend()
    app.dependency_overrides[exam_routes.face_backend] = lambda: fake
    app.dependency_overrides[exam_routes.face_policy] = lambda: FacePolicy()
    made = Centre(Desk(client, fake, staff_headers(Role.exam_officer), "", citizen(0)), T0)
    app.dependency_overrides[routes.clock] = lambda: made.now
    yield made
    app.dependency_overrides.clear()


def _audit(db: Session, action: str) -> list[AuditEntry]:
    db.rollback()  # a fresh snapshot: the requests committed in their own sessions
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)))


def _count(db: Session, model: type) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_enrolment_shows_the_licence_point_balance_and_each_read_is_audited(
    centre: Centre, db: Session
) -> None:
    owner = make_citizen(db, serial=9301)
    red = open_notice(db, owner, status=NoticeStatus.acknowledged)
    issue_decision(db, [red.id], issued_by=uuid.UUID(supervisor_id(db)), now=utc_now() - timedelta(days=1))
    db.commit()

    made = centre.enrol(owner.cccd)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["points_on"] == vn_today().isoformat()
    assert {p["licence_class"]: p["balance"] for p in body["points"]} == {"car": 8, "motorbike": 12}
    got = centre.client.get(f"/api/training/enrolments/{body['id']}", headers=centre.headers)
    assert got.status_code == 200 and got.json()["points"] == body["points"]
    reads = _audit(db, "training_enrolment.read")
    assert len(reads) == 2 and {r.detail["owner_cccd"] for r in reads} == {owner.cccd}
    [enrolled] = _audit(db, "training.enrolled")
    assert enrolled.object_id == body["id"]


def test_enrolment_is_once_per_centre_and_course_and_bad_input_stores_nothing(
    centre: Centre, db: Session
) -> None:
    assert centre.enrol().status_code == 201
    again = centre.enrol()
    assert again.status_code == 409
    assert again.json()["error"] == "AlreadyEnrolled"
    assert again.json()["detail"]["en"] == "The learner is already enrolled on this course at this centre."
    for bad in ({"cccd": "12345"}, {"licence_class": "Z"}, {"course": ""}, {"full_name": ""}):
        resp = centre.enrol(**bad)
        assert resp.status_code == 422, bad
    assert _count(db, Enrolment) == 1


def test_other_roles_cannot_enrol_or_check_in(centre: Centre, db: Session) -> None:
    enrolment_id = centre.enrol().json()["id"]
    for role in (Role.reviewer, Role.supervisor, Role.ops):
        centre.desk.headers = staff_headers(role)
        assert centre.enrol(course="C-1").json()["error"] == "AccessDenied"
        assert centre.check(enrolment_id, "checkin").status_code == 403
    centre.desk.headers = {}
    assert centre.check(enrolment_id, "checkin").status_code == 401
    assert _count(db, Enrolment) == 1 and _count(db, TrainingSession) == 0


def test_a_session_in_and_out_with_a_refused_checkout_face_in_between(centre: Centre, db: Session) -> None:
    enrolment_id = centre.enrol().json()["id"]
    opened = centre.check(enrolment_id, "checkin")
    assert opened.status_code == 201, opened.text
    session = opened.json()
    assert session["status"] == "open" and session["in_face_distance"] == 0.0
    assert session["vn_day"] == "2026-12-05" and session["flagged"] is False

    centre.now = T0 + H
    again = centre.check(enrolment_id, "checkin")
    assert again.status_code == 409 and again.json()["detail"]["code"] == "training.session_open"

    other_face = centre.check(enrolment_id, "checkout", frames=centre.desk.frames(OTHER, seed=5))
    assert other_face.status_code == 409, other_face.text
    detail = other_face.json()["detail"]
    assert other_face.json()["error"] == "FaceNotVerified" and detail["code"] == "face.mismatch"
    assert detail["face_distance"] > 1.0 and detail["session_id"] == session["id"]
    assert detail["refused_checkouts"] == 1 and detail["vi"] and detail["en"]

    centre.now = T0 + H + 5 * M
    closed = centre.check(enrolment_id, "checkout")
    assert closed.status_code == 200, closed.text
    out = closed.json()
    assert (out["status"], out["counted_seconds"], out["count_rule"], out["flagged"]) == (
        "closed",
        3900,
        "counted",
        True,
    )
    actions = [e.action for e in _audit(db, "training.checked_in") + _audit(db, "training.checkout_refused")]
    assert actions == ["training.checked_in", "training.checkout_refused"]
    assert len(_audit(db, "training.checked_out")) == 1

    centre.now = T0 + H + 5 * M + 14 * M + 59 * S
    soon = centre.check(enrolment_id, "checkin")
    assert soon.status_code == 409 and soon.json()["detail"]["code"] == "training.too_soon"
    assert soon.json()["detail"]["allowed_from"]["vn"] == "05/12/2026 09:20:00"
    refused = _audit(db, "training.checkin_rule_refused")  # every attempt is audited, a rule's refusal too
    assert [e.detail["code"] for e in refused] == ["training.session_open", "training.too_soon"]
    assert {str(e.object_id) for e in refused} == {enrolment_id}

    totals = centre.client.get(f"/api/training/enrolments/{enrolment_id}/totals", headers=centre.headers)
    assert totals.status_code == 200
    assert {
        k: totals.json()[k] for k in ("sessions", "counted_sessions", "counted_seconds", "counted_hours")
    } == {
        "sessions": 1,
        "counted_sessions": 1,
        "counted_seconds": 3900,
        "counted_hours": 1.08,
    }
    listed = centre.client.get(f"/api/training/enrolments/{enrolment_id}/sessions", headers=centre.headers)
    assert [s["id"] for s in listed.json()] == [session["id"]]


def test_a_checkin_with_another_face_or_card_opens_nothing_and_is_audited(
    centre: Centre, db: Session
) -> None:
    enrolment_id = centre.enrol().json()["id"]
    resp = centre.check(enrolment_id, "checkin", frames=centre.desk.frames(OTHER, seed=3))
    assert resp.status_code == 409 and resp.json()["detail"]["code"] == "face.mismatch"
    resp = centre.check(enrolment_id, "checkin", chip=chip_json(centre.desk.chip(citizen(1))))
    assert resp.status_code == 409 and resp.json()["detail"]["code"] == "card.other_person"
    assert _count(db, TrainingSession) == 0
    codes = [e.detail["reason_code"] for e in _audit(db, "training.checkin_refused")]
    assert codes == ["face.mismatch", "card.other_person"]


def test_unusable_input_and_unknown_enrolments_record_nothing(centre: Centre, db: Session) -> None:
    enrolment_id = centre.enrol().json()["id"]
    bad = centre.check(enrolment_id, "checkin", frames=["not base64!"])
    assert bad.status_code == 422 and bad.json()["detail"]["code"] == "input.base64"
    missing = centre.check(str(uuid.uuid4()), "checkin")
    assert missing.status_code == 404 and missing.json()["error"] == "EnrolmentNotFound"
    nothing_open = centre.check(enrolment_id, "checkout")
    assert (
        nothing_open.status_code == 409
        and nothing_open.json()["detail"]["code"] == "training.no_open_session"
    )
    assert _count(db, TrainingSession) == 0
    assert _audit(db, "training.checkin_refused") == [] and _audit(db, "training.checkout_refused") == []
