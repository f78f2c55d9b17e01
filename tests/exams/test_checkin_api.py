"""The check-in API end to end (HTTP, the identity engine, the database, the audit log)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import AuditEntry, Role
from exams.models import CheckinAttempt
from identity.fixtures.cards import mrz_lines
from identity.fixtures.chip import tampered
from identity.qr import qr_text
from tests.exams.conftest import OTHER, Desk, b64, chip_json
from tests.support.factories import staff_headers
from tests.support.identity import citizen, pki


def _attempts(db: Session) -> int:
    db.rollback()  # a fresh snapshot: the requests committed in their own sessions
    return db.scalar(select(func.count()).select_from(CheckinAttempt)) or 0


def _audit(db: Session, action: str, object_id: str) -> list[AuditEntry]:
    db.rollback()
    rows = db.scalars(
        select(AuditEntry).where(AuditEntry.action == action, AuditEntry.object_id == object_id)
    )
    return list(rows)


def test_genuine_chip_and_matching_face_admit_the_candidate(desk: Desk, db: Session) -> None:
    resp = desk.checkin({"chip": chip_json(desk.chip()), "frames": desk.frames()})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["verdict"] == "admitted" and body["trust_level"] == "person_bound"
    assert body["reason_code"] == "person_bound" and body["sources"] == ["chip"]
    assert body["face_distance"] == 0.0 and body["face_threshold"] == 0.5 and body["face_matched"] is True
    assert body["liveness"] == {"passed": True, "code": "liveness.ok"}
    assert body["card_cccd"] == desk.candidate.id12
    [entry] = _audit(db, "exam.checkin", body["id"])
    assert entry.detail["verdict"] == "admitted" and entry.detail["owner_cccd"] == desk.candidate.id12

    got = desk.client.get(f"/api/exams/{desk.exam_id}/checkins/{body['id']}", headers=desk.headers)
    assert got.status_code == 200 and got.json()["verdict"] == "admitted"
    [read] = _audit(db, "exam_checkin.read", body["id"])
    assert read.detail["owner_cccd"] == desk.candidate.id12


def test_a_tampered_chip_is_refused_with_the_engines_code(desk: Desk, db: Session) -> None:
    forged = tampered(desk.chip(), pki(), "dg1", desk.candidate)
    resp = desk.checkin({"chip": chip_json(forged), "frames": desk.frames()})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["verdict"] == "refused" and body["reason_code"] == "chip.dg_hash"
    assert body["face_distance"] is None  # the face is not even looked at
    assert _audit(db, "exam.checkin", body["id"])


def test_a_chip_of_an_unknown_csca_is_refused(desk: Desk) -> None:
    foreign = tampered(desk.chip(), pki(), "foreign_csca", desk.candidate)
    resp = desk.checkin({"chip": chip_json(foreign), "frames": desk.frames()})
    assert resp.status_code == 201
    assert (resp.json()["verdict"], resp.json()["reason_code"]) == ("refused", "chip.csca_untrusted")


def test_another_persons_face_is_refused_with_the_measured_distance(desk: Desk) -> None:
    resp = desk.checkin({"chip": chip_json(desk.chip()), "frames": desk.frames(OTHER, seed=5)})
    body = resp.json()
    assert (body["verdict"], body["reason_code"]) == ("refused", "face.mismatch")
    assert body["face_matched"] is False and body["face_distance"] > 1.0
    assert body["trust_level"] == "high"


def test_a_face_that_does_not_turn_is_refused(desk: Desk) -> None:
    still = [desk.frames(seed=7)[0]] * 3
    body = desk.checkin({"chip": chip_json(desk.chip()), "frames": still}).json()
    assert (body["verdict"], body["reason_code"]) == ("refused", "liveness.no_turn")


def test_a_card_of_another_cccd_than_registered_is_refused(desk: Desk) -> None:
    other = citizen(1)
    resp = desk.checkin({"chip": chip_json(desk.chip(other)), "frames": desk.frames()})
    body = resp.json()
    assert (body["verdict"], body["reason_code"]) == ("refused", "card.other_person")
    assert body["card_cccd"] == other.id12


def test_an_expired_printed_card_is_refused(desk: Desk) -> None:
    c = desk.candidate
    old = replace(c, expiry=c.issue_date.replace(year=c.issue_date.year - 1))
    body = desk.checkin({"mrz_text": "\n".join(mrz_lines(old))}).json()
    assert (body["verdict"], body["reason_code"]) == ("refused", "card.expired")


def test_printed_card_only_waits_for_an_officer_who_admits_with_a_reason(desk: Desk, db: Session) -> None:
    c = desk.candidate
    card = {"qr_text": qr_text(c.record()), "mrz_text": "\n".join(mrz_lines(c)), "frames": desk.frames()}
    body = desk.checkin(card).json()
    assert (body["verdict"], body["reason_code"], body["trust_level"]) == (
        "pending_officer",
        "trust.low",
        "low",
    )
    assert sorted(body["sources"]) == ["mrz", "qr"] and body["face_distance"] is None

    url = f"/api/exams/{desk.exam_id}/checkins/{body['id']}/decision"
    officer = staff_headers(Role.exam_officer)
    decided = desk.client.post(
        url, json={"verdict": "admitted", "reason": "Đã đối chiếu ảnh thẻ"}, headers=officer
    )
    assert decided.status_code == 200, decided.text
    out = decided.json()
    assert out["verdict"] == "admitted" and out["reason_code"] == "officer.admitted"
    assert out["reason"] == "Đã đối chiếu ảnh thẻ" and out["decided_by"] and out["decided_at"]
    [entry] = _audit(db, "exam.checkin_decided", body["id"])
    assert entry.detail["reason"] == "Đã đối chiếu ảnh thẻ" and entry.detail["was"] == "trust.low"

    again = desk.client.post(url, json={"verdict": "refused", "reason": "changed my mind"}, headers=officer)
    assert again.status_code == 409 and again.json()["error"] == "NotPending"


def test_a_final_verdict_cannot_be_overruled(desk: Desk) -> None:
    body = desk.checkin({"chip": chip_json(desk.chip()), "frames": desk.frames()}).json()
    url = f"/api/exams/{desk.exam_id}/checkins/{body['id']}/decision"
    resp = desk.client.post(url, json={"verdict": "refused", "reason": "nope"}, headers=desk.headers)
    assert resp.status_code == 409


def test_citizens_and_reviewers_are_turned_away(desk: Desk, db: Session) -> None:
    from tests.support.factories import citizen_token, make_citizen

    person = make_citizen(db, serial=4242)
    db.commit()
    citizen_headers = {"Authorization": f"Bearer {citizen_token(desk.client, person.cccd)}"}
    body = {"cccd": desk.candidate.id12, "chip": chip_json(desk.chip()), "frames": desk.frames()}
    for headers in (citizen_headers, staff_headers(Role.reviewer)):
        resp = desk.client.post(f"/api/exams/{desk.exam_id}/checkins", json=body, headers=headers)
        assert resp.status_code == 403 and resp.json()["error"] == "AccessDenied"
        made = desk.client.post(
            "/api/exams",
            json={"code": "X1", "kind": "online", "centre": "x", "starts_at": "2026-12-05T01:00:00Z"},
            headers=headers,
        )
        assert made.status_code == 403
    assert _attempts(db) == 0


def test_bad_input_is_a_422_with_the_engines_code_and_nothing_written(desk: Desk, db: Session) -> None:
    chip = chip_json(desk.chip())
    cases: dict[str, dict[str, Any]] = {
        "input.base64": {"chip": {**chip, "sod": "not base64!!"}, "frames": desk.frames()},
        "face.image_unreadable": {"chip": chip, "frames": [b64(b"not an image")]},
        "qr.truncated": {"qr_text": "012345678901|Nguyễn Văn An"},
        "input.no_card": {"frames": desk.frames()},
        "face.none": {"chip": chip, "frames": [b64(_blank())] * 3},
    }
    for code, body in cases.items():
        resp = desk.checkin(body)
        assert resp.status_code == 422, (code, resp.text)
        detail = resp.json()["detail"]
        assert detail["code"] == code and detail["vi"] and detail["en"], detail
    raw = desk.client.post(
        f"/api/exams/{desk.exam_id}/checkins",
        content=b'{"cccd": "0123',
        headers={**desk.headers, "Content-Type": "application/json"},
    )
    assert raw.status_code == 422
    assert _attempts(db) == 0
    assert not db.scalars(select(AuditEntry).where(AuditEntry.action == "exam.checkin")).all()


def _blank() -> bytes:
    from tests.exams.conftest import png, textured

    return png(textured(999))  # registered with no face


def test_a_cccd_not_registered_for_the_exam_is_404(desk: Desk, db: Session) -> None:
    resp = desk.checkin({"chip": chip_json(desk.chip(citizen(2)))}, cccd=citizen(2).id12)
    assert resp.status_code == 404 and resp.json()["error"] == "NotRegistered"
    missing = desk.client.get(f"/api/exams/{desk.exam_id}/checkins/{uuid.uuid4()}", headers=desk.headers)
    assert missing.status_code == 404
    assert _attempts(db) == 0


def test_a_candidate_registers_once_per_exam(desk: Desk) -> None:
    c = desk.candidate
    again = desk.client.post(
        f"/api/exams/{desk.exam_id}/candidates",
        json={"cccd": c.id12, "full_name": c.full_name},
        headers=desk.headers,
    )
    assert again.status_code == 409 and again.json()["error"] == "AlreadyRegistered"


def test_a_photo_of_the_card_back_is_read_by_the_ocr_engine(desk: Desk) -> None:
    from identity.fixtures.cards import PhotoConditions, photograph, render_back
    from identity.fixtures.faces import jpeg

    c = desk.candidate
    cond = PhotoConditions(
        tilt_deg=-3.0,
        perspective=0.02,
        blur_sigma=0.8,
        light_gradient=0.2,
        brightness=0.9,
        noise=2.0,
        jpeg_quality=85,
    )
    photo = photograph(render_back(c, seed=1), cond, seed=1)
    body = desk.checkin({"qr_text": qr_text(c.record()), "mrz_photo": b64(jpeg(photo))}).json()
    assert (body["verdict"], body["reason_code"]) == ("pending_officer", "trust.low"), body
    assert sorted(body["sources"]) == ["mrz", "qr"] and body["findings"] == []
