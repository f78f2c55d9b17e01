"""The candidate's online check-in over the citizen API: only their own registrations, the CCCD always
the signed-in citizen's, bad input named with nothing recorded."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exams.models import CheckinAttempt, Registration
from tests.exams.conftest import Desk, chip_json
from tests.support.factories import citizen_token, make_citizen
from tests.support.identity import citizen

API = "/api/citizen/v1/exams"


def _signed_in(client: TestClient, db: Session, cccd: str, serial: int) -> dict[str, str]:
    person = make_citizen(db, serial=serial)
    person.cccd = cccd
    db.commit()
    return {"Authorization": f"Bearer {citizen_token(client, cccd)}"}


def _attempts(db: Session) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(CheckinAttempt)) or 0


def _reg(db: Session, cccd: str) -> str:
    db.rollback()
    return str(db.scalars(select(Registration.id).where(Registration.cccd == cccd)).one())


def test_the_candidate_sees_and_checks_in_for_their_own_exam(desk: Desk, db: Session) -> None:
    me = _signed_in(desk.client, db, desk.candidate.id12, 901)
    mine = desk.client.get(API, headers=me)
    assert mine.status_code == 200 and [r["id"] for r in mine.json()] == [_reg(db, desk.candidate.id12)]
    assert mine.json()[0]["latest"] is None
    url = f"{API}/registrations/{_reg(db, desk.candidate.id12)}/checkins"
    body = {"chip": chip_json(desk.chip()), "frames": desk.frames(), "cccd": "000000000000"}
    resp = desk.client.post(url, json=body, headers=me)  # a CCCD in the body is ignored
    assert resp.status_code == 201, resp.text
    assert resp.json()["verdict"] == "admitted" and resp.json()["card_cccd"] == desk.candidate.id12
    assert desk.client.get(API, headers=me).json()[0]["latest"]["verdict"] == "admitted"


def test_another_persons_registration_is_not_found_and_not_listed(desk: Desk, db: Session) -> None:
    other = citizen(3)
    them = _signed_in(desk.client, db, other.id12, 902)
    assert desk.client.get(API, headers=them).json() == []
    url = f"{API}/registrations/{_reg(db, desk.candidate.id12)}/checkins"
    resp = desk.client.post(url, json={"chip": chip_json(desk.chip()), "frames": desk.frames()}, headers=them)
    assert resp.status_code == 404 and resp.json()["error"] == "NotRegistered"
    assert _attempts(db) == 0


def test_broken_base64_and_unreadable_frames_are_named_and_not_recorded(desk: Desk, db: Session) -> None:
    me = _signed_in(desk.client, db, desk.candidate.id12, 903)
    url = f"{API}/registrations/{_reg(db, desk.candidate.id12)}/checkins"
    chip = chip_json(desk.chip())
    broken = desk.client.post(url, json={"chip": chip, "frames": ["@@not base64"]}, headers=me)
    assert broken.status_code == 422 and broken.json()["detail"]["code"] == "input.base64"
    junk = desk.client.post(url, json={"chip": chip, "frames": ["bm90IGFuIGltYWdl"]}, headers=me)
    assert junk.status_code == 422 and junk.json()["detail"]["code"] == "face.image_unreadable"
    assert _attempts(db) == 0


def test_staff_cannot_use_the_citizen_check_in(desk: Desk, db: Session) -> None:
    url = f"{API}/registrations/{_reg(db, desk.candidate.id12)}/checkins"
    resp = desk.client.post(url, json={"frames": desk.frames()}, headers=desk.headers)
    assert resp.status_code in (401, 403)
