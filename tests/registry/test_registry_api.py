"""Registry API: validation at the boundary with clear 4xx errors, audited reads."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AuditEntry, Role
from tests.support.factories import staff_headers

CITIZEN = {
    "cccd": "079090123456",
    "full_name": "Nguyễn Văn An",
    "birth_date": "1990-05-17",
    "sex": "male",
    "address": "Số 1 Lê Lợi, TP Hồ Chí Minh",
}


@pytest.fixture
def admin() -> dict[str, str]:
    return staff_headers(Role.admin)


def test_create_and_read_citizen_with_vehicles(
    client: TestClient, admin: dict[str, str], db: Session
) -> None:
    assert client.post("/api/registry/citizens", json=CITIZEN, headers=admin).status_code == 201
    car = {
        "plate": "51g 123.45",
        "vehicle_type": "car",
        "colour": "Trắng",
        "brand": "Toyota",
        "owner_cccd": CITIZEN["cccd"],
    }
    created = client.post("/api/registry/vehicles", json=car, headers=admin).json()
    assert (created["plate"], created["plate_display"]) == ("51G12345", "51G-123.45")
    bike = {**car, "plate": "59X137438", "vehicle_type": "motorbike"}
    assert (
        client.post("/api/registry/vehicles", json=bike, headers=admin).json()["plate_display"]
        == "59-X1 374.38"
    )

    reviewer = staff_headers(Role.reviewer)
    body = client.get(f"/api/registry/citizens/{CITIZEN['cccd']}", headers=reviewer).json()
    assert {v["plate_display"] for v in body["vehicles"]} == {"51G-123.45", "59-X1 374.38"}
    assert (
        client.get("/api/registry/vehicles/51G-123.45", headers=reviewer).json()["owner_cccd"]
        == CITIZEN["cccd"]
    )
    reads = db.scalars(
        select(AuditEntry.action).where(AuditEntry.action.in_(["citizen.read", "vehicle.read"]))
    )
    assert sorted(reads) == ["citizen.read", "vehicle.read"]  # reads of personal data are audited


@pytest.mark.parametrize(
    ("change", "loc", "message"),
    [
        ({"cccd": "07909012345"}, ["body", "cccd"], "12 digits"),
        ({"cccd": "003090123456"}, ["body", "cccd"], "province code"),
        ({"cccd": "079190123456"}, ["body", "cccd"], "encodes sex female"),
        ({"birth_date": "1991-05-17"}, ["body", "cccd"], "birth year 1990"),
        ({"birth_date": "2090-01-01", "cccd": "079290123456"}, ["body", "birth_date"], "future"),
        ({"sex": "x"}, ["body", "sex"], "male"),
        ({"full_name": ""}, ["body", "full_name"], "at least 2"),
    ],
)
def test_bad_citizen_gets_field_errors(
    client: TestClient, admin: dict[str, str], change: dict[str, str], loc: list[str], message: str
) -> None:
    resp = client.post("/api/registry/citizens", json={**CITIZEN, **change}, headers=admin)
    assert resp.status_code == 422
    body = resp.json()
    assert body["error"] == "ValidationError"
    assert any(e["loc"] == loc and message in e["msg"] for e in body["detail"]), body


@pytest.mark.parametrize(
    ("machine_clock", "born_today", "born_tomorrow"),
    [
        # 00:30 on 29/11 in Vietnam; the machine (UTC-10) still reads 28/11.
        (datetime(2026, 11, 28, 7, 30, tzinfo=ZoneInfo("America/Adak")), "2026-11-29", "2026-11-30"),
        # 23:30 on 28/11 in Vietnam; the machine (UTC+14) already reads 29/11.
        (datetime(2026, 11, 29, 6, 30, tzinfo=ZoneInfo("Pacific/Kiritimati")), "2026-11-28", "2026-11-29"),
    ],
)
def test_a_birth_date_is_in_the_future_by_the_vietnamese_date(
    client: TestClient, machine_clock: datetime, born_today: str, born_tomorrow: str
) -> None:
    """Not by the machine's own zone (date.today()): a baby born today in Vietnam can be registered."""
    with time_machine.travel(machine_clock, tick=False):  # an aware datetime: travel sets TZ to its zone
        admin = staff_headers(Role.admin)
        today = {**CITIZEN, "birth_date": born_today, "cccd": "079226000001"}
        assert client.post("/api/registry/citizens", json=today, headers=admin).status_code == 201
        tomorrow = {**CITIZEN, "birth_date": born_tomorrow, "cccd": "079226000002"}
        resp = client.post("/api/registry/citizens", json=tomorrow, headers=admin)
    assert resp.status_code == 422 and "future" in resp.text


@pytest.mark.parametrize(
    ("plate", "vehicle_type", "message"),
    [
        ("42A-123.45", "car", "42 is not a province code"),
        ("51O-123.45", "car", "does not match"),
        ("51G-12.345", "car", "three and two digits"),
        ("59-X1 374.38", "car", "motorbike plate"),
        ("ABC", "car", "7 to 10"),
    ],
)
def test_bad_plate_gets_field_error(
    client: TestClient, admin: dict[str, str], plate: str, vehicle_type: str, message: str
) -> None:
    client.post("/api/registry/citizens", json=CITIZEN, headers=admin)
    body = {
        "plate": plate,
        "vehicle_type": vehicle_type,
        "colour": "Đen",
        "brand": "Kia",
        "owner_cccd": CITIZEN["cccd"],
    }
    resp = client.post("/api/registry/vehicles", json=body, headers=admin)
    assert resp.status_code == 422
    errors = resp.json()["detail"]
    assert any(e["loc"] == ["body", "plate"] and message in e["msg"] for e in errors), errors


def test_business_errors_render_name_and_detail(client: TestClient, admin: dict[str, str]) -> None:
    assert client.post("/api/registry/citizens", json=CITIZEN, headers=admin).status_code == 201
    dup = client.post("/api/registry/citizens", json=CITIZEN, headers=admin)
    assert dup.status_code == 409 and dup.json() == {
        "error": "CitizenExists",
        "detail": "a citizen with CCCD 079090123456 already exists",
    }
    missing = client.get("/api/registry/vehicles/30A-999.99", headers=admin)
    assert missing.status_code == 404 and missing.json()["error"] == "VehicleNotFound"
    orphan = {
        "plate": "30A-999.99",
        "vehicle_type": "car",
        "colour": "Đen",
        "brand": "Kia",
        "owner_cccd": "001090000001",
    }
    assert (
        client.post("/api/registry/vehicles", json=orphan, headers=admin).json()["error"] == "CitizenNotFound"
    )


@pytest.mark.parametrize(
    ("content", "content_type", "status", "error"),
    [
        (b'{"cccd": "079090123456", ', "application/json", 422, "ValidationError"),
        (b"[1, 2, 3]", "application/json", 422, "ValidationError"),
        (b"cccd=079090123456", "application/x-www-form-urlencoded", 422, "ValidationError"),
        (b'{"a": "\xc3\x28"}', "application/json", 400, "BadRequest"),  # invalid UTF-8
    ],
)
def test_malformed_json_is_a_clear_4xx(
    client: TestClient, admin: dict[str, str], content: bytes, content_type: str, status: int, error: str
) -> None:
    resp = client.post(
        "/api/registry/citizens", content=content, headers={**admin, "content-type": content_type}
    )
    assert resp.status_code == status
    assert resp.json()["error"] == error
    assert "Traceback" not in resp.text


@pytest.mark.parametrize("cccd", ["12345", "٠٧٩٠٩٠١٢٣٤٥٦", "079090123456%0A"])
def test_bad_path_parameter(client: TestClient, admin: dict[str, str], cccd: str) -> None:
    # Arabic-Indic digits match a Unicode \d; a CCCD is 12 ASCII digits.
    resp = client.get(f"/api/registry/citizens/{cccd}", headers=admin)
    assert resp.status_code == 422 and resp.json()["detail"][0]["loc"] == ["path", "cccd"]
