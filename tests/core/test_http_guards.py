"""Guards in front of every route: body cap before parsing or authentication, no NUL bytes in text
input, security headers, no caching of personal data, HSTS, docs off in production."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.types import Message, Receive, Scope, Send

from core.app import create_app
from core.config import get_settings
from core.http_guards import RequestGuard
from core.models import Role
from tests.support.factories import make_staff
from tests.web.test_pages import HTML, _csrf, _sign_in


def test_an_oversized_body_is_refused_before_the_route_sees_it(client: TestClient) -> None:
    huge = b'{"username": "' + b"a" * 2_000_000 + b'", "password": "x"}'
    resp = client.post("/api/auth/token", content=huge, headers={"content-type": "application/json"})
    assert resp.status_code == 413 and resp.json()["error"] == "PayloadTooLarge"

    def chunks():  # no Content-Length: the guard counts what arrives
        for _ in range(40):
            yield b"a" * 65536

    resp = client.post("/api/auth/token", content=chunks(), headers={"content-type": "application/json"})
    assert resp.status_code == 413


def test_the_guard_stops_reading_at_the_limit() -> None:
    reached, delivered = [], 0

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(scope["path"])

    async def receive() -> Message:
        nonlocal delivered
        delivered += 1
        return {"type": "http.request", "body": b"x" * 65536, "more_body": delivered < 1000}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/api/auth/token", "query_string": b"", "headers": []}
    asyncio.run(RequestGuard(inner, max_body_bytes=1_048_576)(scope, receive, send))
    assert not reached and sent[0]["status"] == 413
    assert delivered == 17  # 17 × 64 KiB just passes 1 MiB: the remaining 62 MB are never read


def test_a_route_with_a_larger_allowance() -> None:
    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        return None

    guard = RequestGuard(inner, max_body_bytes=1024, larger={"/api/cameras/upload": 50_000_000})
    assert guard.limit_for("/api/cameras/upload") == 50_000_000 and guard.limit_for("/api/x") == 1024


@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        ("GET", "/review?camera=HCM%00", {}),
        ("GET", "/api/candidates?status=pending_review%00", {}),
        ("POST", "/api/auth/token", {"json": {"username": "admin\x00", "password": "x"}}),
        ("POST", "/login", {"data": {"username": "admin\x00", "password": "x", "csrf": "x"}}),
        ("POST", "/idp/authorize", {"data": {"cccd": "0790\x00", "passcode": "1"}}),
    ],
)
def test_nul_bytes_are_a_clear_422_before_authentication(
    client: TestClient, method: str, url: str, kwargs: dict
) -> None:
    resp = client.request(method, url, **kwargs)
    assert resp.status_code == 422 and resp.json() == {
        "error": "InvalidInput",
        "detail": resp.json()["detail"],
    }
    assert "NUL" in resp.json()["detail"]


def test_pages_say_it_in_html(client: TestClient) -> None:
    resp = client.get("/review?camera=%00", headers=HTML)
    assert resp.status_code == 422 and resp.headers["content-type"].startswith("text/html")


def test_security_headers_and_no_caching_of_personal_data(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="hdr")
    db.commit()
    _sign_in(client, "hdr")
    for path in ("/login", "/", "/review", "/api/candidates"):
        headers = client.get(path, headers=HTML).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["cache-control"] == "no-store", path
        assert "strict-transport-security" not in headers  # plain-HTTP dev server
    assert "no-store" not in client.get("/static/tvp.css").headers.get("cache-control", "")


def test_hsts_when_configured(clean_db: str) -> None:
    settings = get_settings().model_copy(update={"hsts_seconds": 31_536_000})
    with TestClient(create_app(settings)) as client:
        hsts = client.get("/healthz").headers["strict-transport-security"]
    assert hsts == "max-age=31536000; includeSubDomains"


def test_docs_are_off_when_disabled(client: TestClient, clean_db: str) -> None:
    assert client.get("/docs").status_code == 200  # dev and test
    settings = get_settings().model_copy(update={"api_docs": False})
    with TestClient(create_app(settings)) as closed:
        assert closed.get("/docs").status_code == 404 and closed.get("/redoc").status_code == 404


def test_tampered_evidence_says_what_is_wrong_to_staff(client: TestClient, db: Session) -> None:
    from core.evidence import get_blob_store
    from penalties.candidates.models import EvidenceItem, EvidenceKind
    from tests.support.factories import make_candidate

    make_staff(db, Role.reviewer, username="tamper")
    candidate = make_candidate(db)
    data = secrets.token_bytes(64)
    store = get_blob_store()
    key = store.put(data)
    item = EvidenceItem(
        candidate_id=candidate.id,
        kind=EvidenceKind.frame,
        sha256=key,
        content_type="image/png",
        size_bytes=64,
        captured_at=None,
    )
    db.add(item)
    db.commit()
    path = store.path(key)  # type: ignore[attr-defined]
    path.chmod(0o644)
    path.write_bytes(b"altered")
    _sign_in(client, "tamper")
    resp = client.get(f"/evidence/{item.id}")
    assert resp.status_code == 500 and resp.json()["error"] == "EvidenceCorrupt"
    assert key in resp.json()["detail"] and "altered" in resp.json()["detail"]
    page = client.get(f"/evidence/{item.id}", headers=HTML)
    assert "altered" in page.text and "Traceback" not in page.text
    assert _csrf(client.get("/", headers=HTML).text)
