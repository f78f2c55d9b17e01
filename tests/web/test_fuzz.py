"""Hostile values in every query parameter, form field and path parameter of every route (pages and
API, signed in with every staff role): NUL bytes, extreme dates, huge and odd numbers, long strings.
None may produce a server error."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core.app import iter_api_routes
from core.models import Role
from tests.support.factories import make_candidate, make_staff
from tests.web.test_pages import HTML, _csrf, _sign_in

HOSTILE = [
    "\x00",
    "a\x00b",
    "0001-01-01",
    "9999-12-31",
    "99999999999999999999999999",
    "-99999999999999999999",
    "1e309",
    "nan",
    "-1",
    "0",
    "x" * 5000,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../../etc/passwd",
    "",
]
SAMPLE_ID = "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d12"


def _fields(route, kind: str) -> list[str]:
    params = route.dependant.query_params if kind == "query" else route.dependant.body_params
    return [p.alias for p in params if kind == "query" or p.field_info.__class__.__name__ == "Form"]


def test_no_hostile_value_reaches_a_server_error(app: FastAPI, client: TestClient, db: Session) -> None:
    make_staff(db, *Role, username="fuzzer")
    candidate = make_candidate(db)
    db.commit()
    assert _sign_in(client, "fuzzer").status_code == 303
    csrf = _csrf(client.get("/", headers=HTML).text)
    token = client.post("/api/auth/token", json={"username": "fuzzer", "password": "correct-horse-battery"})
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    failures, tried = [], 0
    for method, path, route in iter_api_routes(app):
        if path in ("/logout", "/api/auth/logout", "/api/auth/password"):
            continue  # would end the fuzzer's own session
        api = path.startswith("/api/")
        headers = bearer if api else HTML
        url = re.sub(r"\{\w+\}", str(candidate.id) if "candidate" in path else SAMPLE_ID, path)
        cases: list[tuple[str, dict, dict]] = []
        for name in _fields(route, "query"):
            cases += [(url, {name: value}, {}) for value in HOSTILE]
        form_fields = _fields(route, "body")
        filled = dict.fromkeys(form_fields, "fuzz-value")  # required fields present: reach the code
        for name in form_fields:
            cases += [(url, {}, {**filled, "csrf": csrf, name: value}) for value in HOSTILE]
        for placeholder in re.findall(r"\{(\w+)\}", path):
            cases += [(path.replace(f"{{{placeholder}}}", value or "_"), {}, {}) for value in HOSTILE[2:12]]
        for target, params, form in cases:
            tried += 1
            if method == "GET":
                resp = client.get(target, params=params, headers=headers, follow_redirects=False)
            else:
                resp = client.request(
                    method, target, params=params, data=form or None, headers=headers, follow_redirects=False
                )
            if resp.status_code >= 500:
                failures.append(f"{method} {target} {params or ''}{form or ''} → {resp.status_code}")
    assert tried > 500
    assert not failures, "\n".join(f[:300] for f in failures)
