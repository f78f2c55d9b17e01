"""Cheap data builders and sign-in helpers for tests."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlparse

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.auth.service import create_user
from core.auth.tokens import issue_staff_token
from core.db import session_scope
from core.models import Role, User
from core.time import utc_now
from detection.vehicles import VehicleClass
from identity.cccd import Sex, make_cccd
from penalties.cameras.models import Camera
from penalties.candidates.models import ViolationCandidate
from registry.models import Citizen, Vehicle

PASSWORD = "correct-horse-battery"
REDIRECT = "tvp-citizen://callback"


def make_staff(session: Session, *roles: Role, username: str | None = None) -> User:
    name = username or "-".join(r.value for r in roles) + "-" + secrets.token_hex(3)
    return create_user(session, username=name, full_name=f"Test {name}", password=PASSWORD, roles=roles)


def staff_headers(*roles: Role) -> dict[str, str]:
    with session_scope() as session:
        user = make_staff(session, *roles)
        token, _ = issue_staff_token(session, user)
    return {"Authorization": f"Bearer {token}"}


def make_citizen(
    session: Session,
    *,
    serial: int = 1,
    province: str = "079",
    year: int = 1990,
    sex: Sex = Sex.male,
    name: str = "Nguyễn Văn An",
) -> Citizen:
    citizen = Citizen(
        cccd=make_cccd(province, year, sex, serial),
        full_name=name,
        birth_date=date(year, 5, 17),
        sex=sex,
        address="Số 1 đường Lê Lợi, TP Hồ Chí Minh",
    )
    session.add(citizen)
    session.flush()
    return citizen


def make_vehicle(
    session: Session,
    owner: Citizen,
    plate: str = "51G12345",
    display: str = "51G-123.45",
    vehicle_type: VehicleClass = VehicleClass.car,
) -> Vehicle:
    vehicle = Vehicle(
        plate=plate,
        plate_display=display,
        vehicle_type=vehicle_type,
        colour="Trắng",
        brand="Toyota",
        owner_cccd=owner.cccd,
    )
    session.add(vehicle)
    session.flush()
    return vehicle


def citizen_token(client: TestClient, cccd: str, passcode: str = "123456") -> str:
    """Run the embedded IdP's authorization-code flow with PKCE, as the citizen app does."""
    verifier = secrets.token_urlsafe(40)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    form = {
        "cccd": cccd,
        "passcode": passcode,
        "client_id": "tvp-citizen-app",
        "redirect_uri": REDIRECT,
        "state": "s1",
        "nonce": "n1",
        "code_challenge": challenge,
    }
    resp = client.post("/idp/authorize", data=form, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    query = parse_qs(urlparse(resp.headers["location"]).query)
    assert query["state"] == ["s1"]
    tok = client.post(
        "/idp/token",
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": REDIRECT,
            "client_id": "tvp-citizen-app",
            "code_verifier": verifier,
        },
    )
    assert tok.status_code == 200, tok.text
    return str(tok.json()["id_token"])


def make_candidate(
    session: Session,
    *,
    plate: str | None = "51G12345",
    code: str = "RED_LIGHT",
    detected_at: datetime | None = None,
    vehicle_class: str | None = "car",
    camera_code: str = "HCM-Q1-001",
) -> ViolationCandidate:
    """A violation candidate as the camera pipeline would store it (without evidence files)."""
    camera = session.scalars(select(Camera).where(Camera.code == camera_code)).first()
    if camera is None:
        camera = Camera(
            code=camera_code,
            name="Ngã tư Lê Lợi – Nguyễn Huệ",
            road="Lê Lợi",
            province_code="51",
            latitude=10.77,
            longitude=106.70,
            speed_limit_kmh=50,
        )
        session.add(camera)
        session.flush()
    at = detected_at or utc_now() - timedelta(days=1)
    candidate = ViolationCandidate(
        camera_id=camera.id,
        detected_at=at,
        violation_code=code,
        plate=plate,
        plate_confidence=0.97 if plate else None,
        vehicle_class=vehicle_class,
        measured={"time_into_red_s": 1.8} if code == "RED_LIGHT" else {},
        provenance={},
        dedup_key=f"{camera_code}:{code}:{at.isoformat()}:{secrets.token_hex(4)}",
    )
    session.add(candidate)
    session.flush()
    return candidate
