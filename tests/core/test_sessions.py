"""Server-side staff sessions: sign-out, a password or role change, deactivation, idleness and age end a
session everywhere, including copies of its cookie or token."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.models import AuditEntry, Role, StaffSession
from core.time import utc_now
from tests.support.factories import PASSWORD, make_staff, staff_headers
from tests.web.test_pages import HTML, _csrf, _sign_in

NEW_PASSWORD = "another-long-password"


def _token(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    resp = client.post("/api/auth/token", json={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def _copied_cookie(client: TestClient) -> dict[str, str]:
    return {"cookie": f"tvp_session={client.cookies['tvp_session']}"}


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(app, client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="copycat")
    db.commit()
    _sign_in(client, "copycat")
    copy = _copied_cookie(client)
    with TestClient(app) as thief:
        assert thief.get("/", headers={**HTML, **copy}).status_code == 200
        assert thief.get("/api/auth/me", headers=copy).status_code == 200
        page = client.get("/", headers=HTML)
        client.post("/logout", data={"csrf": _csrf(page.text)}, headers=HTML, follow_redirects=False)
        assert thief.get("/", headers={**HTML, **copy}, follow_redirects=False).status_code == 303
        assert thief.get("/api/auth/me", headers=copy).status_code == 401
    ended = db.scalars(select(StaffSession).where(StaffSession.kind == "page")).one()
    assert ended.revoked_reason == "sign_out"


def test_api_sign_out_ends_the_token(client: TestClient, db: Session) -> None:
    make_staff(db, Role.ops, username="apiuser")
    db.commit()
    auth = _token(client, "apiuser")
    other = _token(client, "apiuser")  # a second session of the same user is not touched
    assert client.get("/api/auth/me", headers=auth).status_code == 200
    assert client.post("/api/auth/logout", headers=auth).status_code == 204
    assert client.get("/api/auth/me", headers=auth).status_code == 401
    assert client.get("/api/auth/me", headers=other).status_code == 200


def test_password_change_ends_every_session(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="rotator")
    db.commit()
    _sign_in(client, "rotator")
    cookie, auth, second = _copied_cookie(client), _token(client, "rotator"), _token(client, "rotator")
    wrong = client.post(
        "/api/auth/password", headers=auth, json={"current_password": "nope", "new_password": NEW_PASSWORD}
    )
    assert wrong.status_code == 401
    changed = client.post(
        "/api/auth/password", headers=auth, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 204
    for headers in (auth, second, cookie):
        assert client.get("/api/auth/me", headers=headers).status_code == 401
    assert (
        client.post("/api/auth/token", json={"username": "rotator", "password": PASSWORD}).status_code == 401
    )
    assert client.get("/api/auth/me", headers=_token(client, "rotator", NEW_PASSWORD)).status_code == 200


def test_role_change_and_deactivation_end_the_sessions(client: TestClient, db: Session) -> None:
    user = make_staff(db, Role.reviewer, Role.supervisor, username="demoted")
    make_staff(db, Role.admin, username="boss")
    db.commit()
    admin, auth = _token(client, "boss"), _token(client, "demoted")
    resp = client.patch(f"/api/admin/users/{user.id}", headers=admin, json={"roles": ["reviewer"]})
    assert resp.status_code == 200 and resp.json()["roles"] == ["reviewer"]
    assert client.get("/api/auth/me", headers=auth).status_code == 401  # the old roles die with it
    fresh = _token(client, "demoted")
    assert client.get("/api/auth/me", headers=fresh).json()["roles"] == ["reviewer"]
    assert (
        client.patch(f"/api/admin/users/{user.id}", headers=admin, json={"active": False}).status_code == 200
    )
    assert client.get("/api/auth/me", headers=fresh).status_code == 401
    changes = db.scalars(select(AuditEntry.detail).where(AuditEntry.action == "user.update")).all()
    assert changes[0]["before"]["roles"] == ["reviewer", "supervisor"] and changes[0]["sessions_ended"] == 1


def test_idle_and_old_page_sessions_end(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="sleepy")
    db.commit()
    _sign_in(client, "sleepy")
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 200
    db.execute(update(StaffSession).values(last_seen_at=utc_now() - timedelta(minutes=31)))
    db.commit()
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303  # idle > 30 min

    _sign_in(client, "sleepy")
    db.execute(
        update(StaffSession)
        .where(
            StaffSession.revoked_at.is_(None), StaffSession.last_seen_at > utc_now() - timedelta(minutes=5)
        )
        .values(expires_at=utc_now() - timedelta(seconds=1))
    )
    db.commit()
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 303  # past its 12 h


def test_activity_keeps_a_page_session_alive(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="busy")
    db.commit()
    _sign_in(client, "busy")
    db.execute(update(StaffSession).values(last_seen_at=utc_now() - timedelta(minutes=29)))
    db.commit()
    assert client.get("/", headers=HTML, follow_redirects=False).status_code == 200
    db.expire_all()
    seen = db.scalars(select(StaffSession.last_seen_at)).one()
    assert utc_now() - seen < timedelta(minutes=1)


def test_api_calls_with_the_page_cookie_need_same_origin_or_the_csrf_header(
    client: TestClient, db: Session
) -> None:
    make_staff(db, Role.reviewer, username="browser")
    db.commit()
    _sign_in(client, "browser")
    url = "/api/candidates/6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d12/claim"
    forged = client.post(url, headers={"origin": "https://evil.example"})
    assert forged.status_code == 403 and forged.json()["error"] == "CrossSiteRequest"
    assert client.post(url).json()["error"] == "CrossSiteRequest"  # no Origin at all
    assert (
        client.post(url, headers={"origin": "http://testserver"}).status_code == 404
    )  # allowed: no such item
    token = _csrf(client.get("/", headers=HTML).text)
    assert client.post(url, headers={"x-csrf-token": token}).status_code == 404
    assert client.get("/api/candidates").status_code == 200  # reads need no token


def test_a_stray_authorization_header_does_not_break_public_routes(client: TestClient) -> None:
    assert client.get("/healthz", headers={"Authorization": "Basic YWRtaW46YWRtaW4="}).status_code == 200
    assert client.get("/healthz", headers={"Authorization": "Bearer expired.or.forged"}).status_code == 200


def test_cli_password_and_role_changes_end_sessions(client: TestClient, db: Session) -> None:
    from typer.testing import CliRunner

    from core.cli import app as cli

    make_staff(db, Role.reviewer, Role.supervisor, username="clichange")
    db.commit()
    runner = CliRunner()
    auth = _token(client, "clichange")
    done = runner.invoke(cli, ["users", "set-roles", "clichange", "--role", "reviewer"])
    assert done.exit_code == 0 and "reviewer" in done.output
    assert client.get("/api/auth/me", headers=auth).status_code == 401
    auth = _token(client, "clichange")
    done = runner.invoke(
        cli, ["users", "set-password", "clichange"], env={"TVP_NEW_USER_PASSWORD": NEW_PASSWORD}
    )
    assert done.exit_code == 0
    assert client.get("/api/auth/me", headers=auth).status_code == 401
    assert runner.invoke(cli, ["users", "set-roles", "ghost", "--role", "ops"]).exit_code == 2


def _forged_cookie(secret: str, content: dict[str, object]) -> dict[str, str]:
    import json
    from base64 import b64encode

    from itsdangerous import TimestampSigner

    signed = TimestampSigner(secret).sign(b64encode(json.dumps(content).encode())).decode()
    return {"cookie": f"tvp_session={signed}"}


def test_a_cookie_forged_with_a_published_secret_gets_nowhere(client: TestClient, db: Session) -> None:
    from core.config import get_settings

    admin = make_staff(db, Role.admin, username="victim")
    db.commit()
    old_default = "dev-insecure-secret-key-change-me"  # published in this repository until now
    assert get_settings().secret_key != old_default  # generated per data dir instead
    for forged in (
        _forged_cookie(old_default, {"uid": str(admin.id), "sv": 1}),
        _forged_cookie(old_default, {"sid": "guessed"}),
        # even with the real key, a cookie is only as good as its server-side session
        _forged_cookie(get_settings().secret_key, {"uid": str(admin.id), "sv": 1}),
        _forged_cookie(get_settings().secret_key, {"sid": "guessed"}),
    ):
        assert client.get("/api/auth/me", headers=forged).status_code == 401
        assert client.get("/api/admin/users", headers=forged).status_code == 401


def test_the_cookie_is_secure_when_configured(clean_db: str, db: Session) -> None:
    from core.app import create_app
    from core.config import get_settings

    make_staff(db, Role.reviewer, username="https")
    db.commit()
    settings = get_settings().model_copy(update={"session_cookie_secure": True})
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        resp = _sign_in(client, "https")
    cookie = resp.headers["set-cookie"].lower()
    assert "tvp_session=" in cookie and "secure" in cookie and "httponly" in cookie


def test_a_stale_session_on_a_route_holding_the_write_lock_answers_at_once(
    client: TestClient, db: Session, dialect: str
) -> None:
    """The receipt route opens its write session before resolving the caller: noting the session's use
    in a second write transaction then waited for the route's own lock (SQLite: 30 s, then a 500)."""
    headers = staff_headers(Role.reviewer)
    long_ago = utc_now() - timedelta(minutes=5)
    db.execute(update(StaffSession).values(last_seen_at=long_ago))
    db.commit()
    refused = client.post("/api/citizen/v1/deliveries/0/receipt", headers=headers)
    assert refused.status_code == 403, refused.text  # a citizen's route: staff are refused, not a 500
    db.rollback()  # a fresh snapshot
    noted = db.scalar(select(StaffSession.last_seen_at))
    if dialect == "sqlite":  # the route holds the only write lock: skipped, not waited for
        assert noted == long_ago
    else:  # PostgreSQL locks rows: the route holds none of this one
        assert noted is not None and noted > long_ago
    # A route that holds no lock while the caller is resolved notes the use as before.
    assert client.get("/api/cameras", headers=headers).status_code == 200
    db.rollback()  # a fresh snapshot
    seen = db.scalar(select(StaffSession.last_seen_at))
    assert seen is not None and seen > long_ago
