"""The registration service stand-in over real HTTP, and tvp's client for it: retries, timeouts, the
circuit breaker, the cache — and a confirmation that waits while the registry is down."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.config import reset_settings
from core.jobs.runner import JobFailed, execute
from core.models import Job, Role
from detection.vehicles import VehicleClass
from identity.cccd import Sex, make_cccd
from penalties.candidates.models import CandidateStatus, ViolationCandidate
from penalties.notices.models import Notice
from registry.http_provider import CircuitBreaker, HttpRegistryProvider, _shared
from registry.models import Citizen, OwnerKind, RegistrationStatus, Vehicle
from registry.provider import RegistryUnavailable
from registry.standin import create_standin_app
from tests.support.factories import make_candidate, staff_headers

KEY = "test-registry-key-0123456789abcdef"
OWNER = make_cccd("079", 1985, Sex.female, 31337)


@dataclass
class Running:
    url: str
    app: object


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[Running]:
    app = create_standin_app(f"sqlite:///{tmp_path / 'registry.sqlite3'}", KEY, faults_switch=True)
    engine = app.state.standin.engine
    with sessionmaker(engine)() as session:
        session.add(
            Citizen(
                cccd=OWNER,
                full_name="Trần Thị Mai",
                birth_date=date(1985, 3, 2),
                sex=Sex.female,
                address="Q1",
            )
        )
        session.add(
            Vehicle(
                plate="51G12345",
                plate_display="51G-123.45",
                vehicle_type=VehicleClass.car,
                colour="trắng",
                brand="Toyota Vios",
                owner_cccd=OWNER,
                registration_status=RegistrationStatus.registered,
            )
        )
        session.add(
            Vehicle(
                plate="59X137438",
                plate_display="59-X1 374.38",
                vehicle_type=VehicleClass.motorbike,
                colour="đen",
                brand="Honda Wave",
                owner_cccd=OWNER,
                stolen=True,
            )
        )
        session.add(
            Vehicle(
                plate="51D45678",
                plate_display="51D-456.78",
                vehicle_type=VehicleClass.truck,
                colour="Trắng",
                brand="Hino",
                owner_cccd=OWNER,
                owner_kind=OwnerKind.organisation,
                organisation_name="Công ty TNHH Vận tải Sài Gòn",
                organisation_tax_code="0301234567",
            )
        )
        session.commit()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(f"{url}/healthz", timeout=0.5)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    yield Running(url, app)
    server.should_exit = True
    thread.join(10)


def faults(url: str, **values: float) -> None:
    httpx.post(f"{url}/_faults", json=values, headers={"X-Api-Key": KEY}).raise_for_status()


def provider(url: str, **kw: object) -> HttpRegistryProvider:
    # A generous timeout: the stand-in shares the loaded test box; test_timeouts_are_failures sets its own.
    options: dict = {"timeout_s": 10.0, "retries": 2, "cache_s": 60.0, "backoff_s": 0.01, **kw}
    return HttpRegistryProvider(url, KEY, **options)


def test_lookup_found_missing_and_refused(standin: Running, db: Session) -> None:
    client = provider(standin.url)
    found = client.lookup(db, "51G-123.45")
    assert found is not None and found.owner.cccd == OWNER and found.vehicle_type == "car"
    assert client.lookup(db, "30A99999") is None
    company = client.lookup(db, "51D45678")
    assert company is not None and company.owner.kind == "organisation"
    assert (company.owner.organisation, company.owner.tax_code) == (
        "Công ty TNHH Vận tải Sài Gòn",
        "0301234567",
    )
    assert found.owner.kind == "person" and found.owner.organisation is None
    with pytest.raises(RegistryUnavailable, match="refused"):
        HttpRegistryProvider(standin.url, "wrong-key").lookup(db, "51G12345")
    raw = httpx.get(f"{standin.url}/v1/vehicles/51G12345")
    assert raw.status_code == 401


def test_cache_saves_requests(standin: Running, db: Session) -> None:
    client = provider(standin.url)
    client.lookup(db, "51G12345")
    client.lookup(db, "51G-123.45")
    assert client.requests == 1


def test_errors_are_retried_then_reported(standin: Running, db: Session) -> None:
    faults(standin.url, error_rate=1.0)
    client = provider(standin.url, retries=2, breaker=CircuitBreaker(10, 30))
    with pytest.raises(RegistryUnavailable, match="after 3 attempts"):
        client.lookup(db, "51G12345")
    assert client.requests == 3


def test_timeouts_are_failures(standin: Running, db: Session) -> None:
    faults(standin.url, latency_ms=800)
    with pytest.raises(RegistryUnavailable):
        provider(standin.url, timeout_s=0.2, retries=0).lookup(db, "51G12345")


def test_circuit_opens_and_recovers(standin: Running, db: Session) -> None:
    faults(standin.url, error_rate=1.0)
    clock = [0.0]
    client = provider(
        standin.url, retries=0, cache_s=0, breaker=CircuitBreaker(2, 30, clock=lambda: clock[0])
    )
    for _ in range(2):
        with pytest.raises(RegistryUnavailable, match="attempts"):
            client.lookup(db, "51G12345")
    with pytest.raises(RegistryUnavailable, match="circuit is open"):
        client.lookup(db, "51G12345")
    assert client.requests == 2  # the open circuit did not call the registry
    faults(standin.url)
    clock[0] = 31.0
    assert client.lookup(db, "51G12345") is not None


def test_registry_down_queues_the_confirmation_and_resumes(
    standin: Running, client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "TVP_REGISTRY_PROVIDER": "http",
        "TVP_REGISTRY_URL": standin.url,
        "TVP_REGISTRY_API_KEY": KEY,
        "TVP_REGISTRY_RETRIES": "0",
        "TVP_REGISTRY_CACHE_S": "0",
        "TVP_REGISTRY_BREAKER_COOLDOWN_S": "0.05",
    }.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    _shared.cache_clear()
    try:
        candidate = make_candidate(db, plate="51G12345")
        db.commit()
        reviewer = staff_headers(Role.reviewer)
        faults(standin.url, error_rate=1.0)
        base = f"/api/candidates/{candidate.id}"
        client.post(f"{base}/claim", headers=reviewer)
        queued = client.post(f"{base}/confirm", json={}, headers=reviewer)
        assert queued.status_code == 202, queued.text
        assert queued.json()["queued"] is True and queued.json()["candidate"]["status"] == "awaiting_registry"
        job = db.scalars(select(Job).where(Job.name == "penalties.complete_confirmation")).one()
        with pytest.raises(JobFailed):
            execute(str(job.id))  # still down: the job will be retried
        db.rollback()
        assert db.get(ViolationCandidate, candidate.id).status is CandidateStatus.awaiting_registry  # type: ignore[union-attr]
        assert db.scalars(select(Notice)).all() == []  # nothing issued on a guess

        faults(standin.url)
        time.sleep(0.1)  # the circuit's cool-down
        assert execute(str(job.id)) == "done"
        db.rollback()
        notices = db.scalars(select(Notice)).all()
        assert len(notices) == 1 and notices[0].owner_cccd == OWNER
        assert db.get(ViolationCandidate, candidate.id).status is CandidateStatus.confirmed  # type: ignore[union-attr]
    finally:
        monkeypatch.undo()
        reset_settings()
        _shared.cache_clear()


def test_stolen_vehicle_is_flagged_not_issued(
    standin: Running, client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TVP_REGISTRY_PROVIDER", "http")
    monkeypatch.setenv("TVP_REGISTRY_URL", standin.url)
    monkeypatch.setenv("TVP_REGISTRY_API_KEY", KEY)
    reset_settings()
    _shared.cache_clear()
    try:
        candidate = make_candidate(db, plate="59X137438", vehicle_class="car")
        db.commit()
        reviewer = staff_headers(Role.reviewer)
        base = f"/api/candidates/{candidate.id}"
        client.post(f"{base}/claim", headers=reviewer)
        refused = client.post(f"{base}/confirm", json={}, headers=reviewer)
        assert refused.status_code == 409 and refused.json()["error"] == "FlaggedVehicle"
        assert (
            "stolen" in refused.json()["detail"] and "registered as a motorbike" in refused.json()["detail"]
        )
        ok = client.post(f"{base}/confirm", json={"acknowledge_flags": True}, headers=reviewer)
        assert ok.status_code == 201, ok.text
        flags = {f["flag"] for f in ok.json()["candidate"]["flags"]}
        assert flags == {"stolen", "type_mismatch"}
    finally:
        monkeypatch.undo()
        reset_settings()
        _shared.cache_clear()


def test_cloned_plate_flag(db: Session) -> None:
    from datetime import timedelta

    from penalties.review.flags import check

    here = make_candidate(db, plate="51G77777", camera_code="HCM-Q1-001")
    there = make_candidate(
        db, plate="51G77777", camera_code="HN-HK-001", detected_at=here.detected_at + timedelta(minutes=30)
    )
    hanoi = there.camera
    hanoi.latitude, hanoi.longitude = 21.0285, 105.8542
    db.flush()
    flags = check(db, here, None)
    assert [f["flag"] for f in flags] == ["cloned_plate"] and flags[0]["other_candidate"] == str(there.id)
    assert "HN-HK-001" in flags[0]["detail"]
    db.rollback()
    assert uuid.UUID(str(here.id))
