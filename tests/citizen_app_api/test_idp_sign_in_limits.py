"""Failed citizen sign-ins at the embedded IdP are audited and throttled per CCCD and per address."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import reset_settings
from core.db import get_sessionmaker
from core.models import AuditEntry
from registry.models import Citizen
from tests.support.factories import REDIRECT, make_citizen

CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def attempt(client: TestClient, cccd: str, passcode: str) -> Any:
    form = {
        "cccd": cccd,
        "passcode": passcode,
        "client_id": "tvp-citizen-app",
        "redirect_uri": REDIRECT,
        "state": "st",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
    }
    return client.post("/idp/authorize", data=form, follow_redirects=False)


def from_address(app: FastAPI, host: str) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(host, 50000))


def audit_entries(action: str) -> list[AuditEntry]:
    with get_sessionmaker()() as session:  # a fresh session: only what was committed
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        return list(session.scalars(query))


@pytest.fixture
def people(db: Session) -> tuple[Citizen, Citizen, Citizen]:
    found = (make_citizen(db, serial=1), make_citizen(db, serial=2), make_citizen(db, serial=3))
    db.commit()
    return found


def test_failed_sign_ins_are_audited_and_committed(app: FastAPI, people: Any) -> None:
    a = people[0]
    with from_address(app, "203.0.113.7") as client:
        assert attempt(client, a.cccd, "000000").status_code == 401
        assert attempt(client, "001090999999", "123456").status_code == 401
    failed = audit_entries("idp.sign_in_failed")
    assert [(e.detail["cccd"], e.detail["reason"], e.detail["address"]) for e in failed] == [
        (a.cccd, "wrong passcode", "203.0.113.7"),
        ("001090999999", "unknown CCCD", "203.0.113.7"),
    ]
    assert failed[0].object_id == str(a.id) and failed[1].object_id is None
    assert all(e.actor == "anonymous:203.0.113.7" for e in failed)


def test_five_wrong_passcodes_lock_that_cccd_only(app: FastAPI, people: Any) -> None:
    a, b, _ = people
    with from_address(app, "203.0.113.7") as attacker:
        for _ in range(5):
            assert attempt(attacker, a.cccd, "000000").status_code == 401
        locked = attempt(attacker, a.cccd, "123456")  # even the right passcode
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert "Quá nhiều lần đăng nhập sai" in locked.text and "Too many failed sign-ins" in locked.text
    assert "code=" not in locked.headers.get("location", "")
    refused = audit_entries("idp.sign_in_refused")
    assert [(e.detail["cccd"], e.detail["scope"], e.detail["address"]) for e in refused] == [
        (a.cccd, "account", "203.0.113.7")
    ]
    with from_address(app, "198.51.100.2") as other:
        assert attempt(other, b.cccd, "123456").status_code == 303
        assert attempt(other, a.cccd, "123456").status_code == 429  # the account itself is locked


def test_a_successful_sign_in_clears_the_cccd_count(app: FastAPI, people: Any) -> None:
    a = people[0]
    with from_address(app, "203.0.113.7") as client:
        for _ in range(4):
            assert attempt(client, a.cccd, "000000").status_code == 401
        assert attempt(client, a.cccd, "123456").status_code == 303
        for _ in range(4):
            assert attempt(client, a.cccd, "000000").status_code == 401
        assert attempt(client, a.cccd, "123456").status_code == 303


@pytest.fixture
def strict_app(clean_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastAPI]:
    monkeypatch.setenv("TVP_LOGIN_IP_LIMITS", "3 per 15 minutes")
    reset_settings()
    from core.app import create_app

    yield create_app()
    monkeypatch.undo()
    reset_settings()


def test_one_address_trying_many_cccds_is_blocked(strict_app: FastAPI, db: Session) -> None:
    a, b, c = (make_citizen(db, serial=n) for n in (1, 2, 3))
    db.commit()
    with from_address(strict_app, "203.0.113.9") as sprayer:
        for cccd in (a.cccd, b.cccd, "001090999999"):  # one wrong guess each
            assert attempt(sprayer, cccd, "000000").status_code == 401
        blocked = attempt(sprayer, c.cccd, "123456")
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text
    assert [e.detail["scope"] for e in audit_entries("idp.sign_in_refused")] == ["address"]
    with from_address(strict_app, "198.51.100.2") as neighbour:
        assert attempt(neighbour, c.cccd, "123456").status_code == 303
