"""Staff pages over HTTP: sign-in with CSRF, role-gated pages, Vietnamese and English text."""

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core.db import session_scope
from core.jobs import enqueue
from core.models import Job, JobStatus, Role
from tests.support import tasks  # noqa: F401 - registers the test job handlers
from tests.support.factories import PASSWORD, make_staff

HTML = {"accept": "text/html"}


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "form without a CSRF token"
    return match.group(1)


def _sign_in(client: TestClient, username: str, password: str = PASSWORD, next_url: str = "/"):
    page = client.get("/login", headers=HTML)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf": _csrf(page.text), "next": next_url},
        headers=HTML,
        follow_redirects=False,
    )


def test_pages_redirect_to_sign_in(client: TestClient) -> None:
    resp = client.get("/ops/jobs", headers=HTML, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/login?next=/ops/jobs"


def test_sign_in_dashboard_and_sign_out(client: TestClient, db: Session) -> None:
    user = make_staff(db, Role.reviewer, username="hai")
    db.commit()
    assert _sign_in(client, "hai", "wrong password").status_code == 401
    resp = _sign_in(client, "hai")
    assert resp.status_code == 303 and resp.headers["location"] == "/"
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    assert "Tổng quan" in page.text and user.full_name in page.text and "Chờ duyệt" in page.text
    english = client.get("/?lang=en", headers=HTML)
    assert "Dashboard" in english.text and "Awaiting review" in english.text
    assert client.get("/", headers=HTML).text.count("Dashboard") >= 1  # the language choice sticks
    assert client.get("/ops/jobs", headers=HTML).status_code == 403  # a reviewer is not ops
    client.post("/logout", data={"csrf": _csrf(page.text)}, headers=HTML, follow_redirects=False)
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303


def test_login_without_csrf_token_is_refused(client: TestClient, db: Session) -> None:
    make_staff(db, Role.admin, username="root1")
    db.commit()
    resp = client.post("/login", data={"username": "root1", "password": PASSWORD}, headers=HTML)
    assert resp.status_code == 403


def test_open_redirect_is_blocked(client: TestClient, db: Session) -> None:
    make_staff(db, Role.ops, username="ops1")
    db.commit()
    assert _sign_in(client, "ops1", next_url="//evil.example/").headers["location"] == "/"


def test_ops_dead_letter_page_and_retry(client: TestClient, db: Session) -> None:
    make_staff(db, Role.ops, username="ops2")
    db.commit()
    with session_scope() as s:
        job = enqueue(s, "tests.always_fails", {"label": "x"})
        job.status, job.attempts, job.last_error = JobStatus.dead, 3, "RuntimeError: boom x"
        job_id = job.id
    _sign_in(client, "ops2")
    page = client.get("/ops/jobs?status=dead", headers=HTML)
    assert "tests.always_fails" in page.text and "RuntimeError: boom x" in page.text
    resp = client.post(
        f"/ops/jobs/{job_id}/retry", data={"csrf": _csrf(page.text)}, headers=HTML, follow_redirects=False
    )
    assert resp.status_code == 303
    db.expire_all()
    assert db.get(Job, job_id).status is JobStatus.pending  # type: ignore[union-attr]


def test_failed_sign_in_is_audited(client: TestClient, db: Session) -> None:
    from sqlalchemy import select

    from core.models import AuditEntry

    assert _sign_in(client, "nobody", "whatever-password").status_code == 401
    resp = client.post("/api/auth/token", json={"username": "nobody", "password": "x"})
    assert resp.status_code == 401 and resp.json()["error"] == "Unauthorized"
    actions = list(db.scalars(select(AuditEntry.action).where(AuditEntry.actor == "anonymous:nobody")))
    assert actions == ["auth.login_failed", "auth.login_failed"]
