"""Page forms and queries go through the same validation as the API: limits, formats and ranges give a
clear 4xx in the page's language, never a Python message or a server error."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core.models import Role
from tests.support.factories import make_candidate, make_staff, staff_headers
from tests.web.test_pages import HTML, _csrf, _sign_in


@pytest.fixture
def held(client: TestClient, db: Session) -> tuple[str, str]:
    """A candidate claimed by a signed-in reviewer, and the page's CSRF token."""
    make_staff(db, Role.reviewer, username="forms")
    candidate = make_candidate(db)
    db.commit()
    _sign_in(client, "forms")
    page = client.get(f"/review/{candidate.id}", headers=HTML)
    client.post(f"/review/{candidate.id}/claim", data={"csrf": _csrf(page.text)}, headers=HTML)
    return str(candidate.id), _csrf(page.text)


@pytest.mark.parametrize(
    ("action", "form", "message"),
    [
        ("escalate", {"note": "x" * 3000}, "note: String should have at most 2000 characters"),
        ("escalate", {"note": "  "}, "note: String should have at least 3 characters"),
        ("reject", {"reason": "because", "note": ""}, "reason: Input should be"),
        ("reject", {"reason": "duplicate", "note": "y" * 2001}, "at most 2000 characters"),
        ("reject", {"reason": "other"}, "say why in the note"),
        ("confirm", {"amount_vnd": "abc"}, "amount_vnd: Input should be a valid integer"),
        ("confirm", {"amount_vnd": "-5"}, "amount_vnd: Input should be greater than 0"),
        ("confirm", {"amount_vnd": "9" * 40}, "amount_vnd:"),
        ("confirm", {"aggravating": ";".join(["repeat"] * 11)}, "aggravating: List should have at most 10"),
        ("plate", {"plate": "hello"}, "plate:"),
    ],
)
def test_form_limits_are_the_apis(
    client: TestClient, held: tuple[str, str], action: str, form: dict[str, str], message: str
) -> None:
    candidate_id, csrf = held
    resp = client.post(f"/review/{candidate_id}/{action}", data={"csrf": csrf, **form}, headers=HTML)
    assert resp.status_code == 422, resp.text[:300]
    assert message in resp.text
    assert (
        "Traceback" not in resp.text and "invalid literal" not in resp.text and "ValueError" not in resp.text
    )


@pytest.mark.parametrize(
    "query",
    [
        "from=0001-01-01",
        "to=9999-12-31",
        "from=1999-12-31",
        "from=not-a-date",
        "page=1000000000000",
        "page=0",
        "min_conf=nan",
        "min_conf=1e309",
        "min_conf=2",
    ],
)
def test_queue_query_out_of_range_is_a_clear_422(client: TestClient, db: Session, query: str) -> None:
    make_staff(db, Role.supervisor, username="q")
    db.commit()
    _sign_in(client, "q")
    resp = client.get(f"/review?{query}", headers=HTML)
    assert resp.status_code == 422 and resp.headers["content-type"].startswith("text/html")
    assert query.split("=")[0] in resp.text


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/api/candidates", Role.reviewer),
        ("/api/admin/users", Role.admin),
        ("/api/ops/jobs", Role.ops),
        ("/ops/jobs", Role.ops),
    ],
)
def test_a_huge_page_number_is_refused(client: TestClient, path: str, role: Role) -> None:
    resp = client.get(f"{path}?page=99999999999999999999", headers=staff_headers(role))
    assert resp.status_code == 422
    assert client.get(f"{path}?page=100000", headers=staff_headers(role)).status_code == 200
