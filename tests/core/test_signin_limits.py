"""Staff sign-in throttling per account and per address, on the API and the sign-in page, audited; the
counts can live in Redis so that every API process shares them."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.app import create_app
from core.auth.ratelimit import SignInLimiter, TooManyAttempts
from core.config import get_settings
from core.models import AuditEntry, Role
from tests.support.factories import PASSWORD, make_staff
from tests.web.test_pages import HTML, _sign_in


def _login(client: TestClient, username: str, password: str) -> int:
    return client.post("/api/auth/token", json={"username": username, "password": password}).status_code


def test_guessing_a_password_locks_the_account_even_for_the_right_one(
    client: TestClient, db: Session
) -> None:
    make_staff(db, Role.admin, username="target")
    make_staff(db, Role.reviewer, username="bystander")
    db.commit()
    assert [_login(client, "target", f"guess-{i}") for i in range(5)] == [401] * 5
    refused = client.post("/api/auth/token", json={"username": "target", "password": PASSWORD})
    assert refused.status_code == 429 and refused.json()["error"] == "TooManyAttempts"
    assert int(refused.headers["retry-after"]) > 0
    assert _login(client, "bystander", PASSWORD) == 200  # the account is locked, not the address
    throttled = db.scalars(select(AuditEntry).where(AuditEntry.action == "auth.login_throttled")).one()
    assert throttled.actor == "anonymous:target" and throttled.detail["scope"] == "account"


def test_a_correct_sign_in_clears_the_account_count(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="typo")
    db.commit()
    for _ in range(3):
        for i in range(4):
            assert _login(client, "typo", f"typo-{i}") == 401
        assert _login(client, "typo", PASSWORD) == 200


def test_one_address_guessing_many_accounts_is_stopped(clean_db: str) -> None:
    settings = get_settings().model_copy(update={"login_ip_limits": "8 per 15 minutes"})
    with TestClient(create_app(settings)) as client:
        codes = [_login(client, f"user{i}", "password-guess") for i in range(8)]
        assert codes == [401] * 8
        blocked = client.post("/api/auth/token", json={"username": "user99", "password": "x"})
        assert blocked.status_code == 429 and "address" in blocked.json()["detail"]


def test_the_sign_in_page_says_when_to_try_again(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="pagelock")
    db.commit()
    for _ in range(5):
        assert _sign_in(client, "pagelock", "wrong-password").status_code == 401
    page = _sign_in(client, "pagelock")
    assert page.status_code == 429 and "Quá nhiều lần đăng nhập sai" in page.text
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303  # not signed in


def test_redis_storage_shares_counts_between_processes() -> None:
    settings = get_settings().model_copy(update={"rate_limit_storage": "redis://127.0.0.1:6379/15"})
    namespace = f"test-{uuid.uuid4().hex}"
    first, second = SignInLimiter(settings, namespace), SignInLimiter(settings, namespace)
    for _ in range(5):
        first.failed("staff", account="shared", address="10.0.0.1")
    with pytest.raises(TooManyAttempts):
        second.check("staff", account="shared", address="10.0.0.2")
    second.check("staff", account="other", address="10.0.0.2")
