"""IDOR sweep: EVERY route of the app under /api/citizen/v1 (read from app.routes, so routes added later
are covered with no change here), called by citizen B with citizen A's ids.

The rule, per route:
- with path parameters (an object of A's): B gets 404, with exactly the body B gets for an id that
  does not exist (no hint that A's exists). The one exception is 422 when the request itself is invalid
  (a body this test does not build): then A, sending the same request, must get the very same 422, so
  the answer does not depend on whose id it is. Never 2xx, never 403. A, the owner, never gets 404.
- without path parameters (B's own lists): whatever B gets, none of A's ids, numbers or CCCD are in it.

Path parameters are filled from ``ids_of_a`` (parameter name → A's object). A parameter it does not
know FAILS the test: add it there, pointing at an object of A's. Mutating routes are sent ``BODIES``
(default ``{}``); give a route a valid body there to check it past validation.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core.app import iter_api_routes
from tests.support.citizen_notices import citizen_with_notice
from tests.support.factories import citizen_token

PREFIX = "/api/citizen/v1"
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
BODIES: dict[str, object] = {}  # "METHOD path" → a valid JSON body for that route


@pytest.fixture
def ids_of_a(db: Session, evidence_dir: Path) -> dict[str, str]:
    """Citizen A's objects by path-parameter name (plus A's CCCD and notice number, which must not
    show up in B's answers)."""
    a, notice = citizen_with_notice(db, serial=2201, plate="51G12345", display="51G-123.45")
    db.commit()
    return {
        "notice_id": str(notice.id),
        "name": "blurred-frame-at.png",  # a blurred evidence file of A's notice (citizen_app_api/evidence.py)
        "_cccd": a.cccd,
        "_number": notice.number,
    }


def _decoy(name: str, value: str) -> str:
    """An id of the same shape that belongs to nobody."""
    try:
        uuid.UUID(value)
    except ValueError:
        return f"nothing-{uuid.uuid4().hex[:8]}{Path(value).suffix}"
    return str(uuid.uuid4())


def _call(
    client: TestClient, method: str, url: str, headers: dict[str, str], body: object
) -> tuple[int, object]:
    resp = client.request(method, url, headers=headers, json=body if method != "GET" else None)
    kind = resp.headers.get("content-type", "")
    return resp.status_code, resp.json() if kind.startswith("application/json") else resp.text


def test_citizen_b_gets_404_for_every_object_of_citizen_a(
    app: FastAPI, client: TestClient, db: Session, ids_of_a: dict[str, str]
) -> None:
    from tests.support.factories import make_citizen

    b = make_citizen(db, serial=2202, name="Lê Văn Cường")
    db.commit()
    as_a = {"Authorization": f"Bearer {citizen_token(client, ids_of_a['_cccd'])}"}
    as_b = {"Authorization": f"Bearer {citizen_token(client, b.cccd)}"}
    routes = sorted({(m, p) for m, p, _ in iter_api_routes(app) if p.startswith(PREFIX)})
    assert len(routes) >= 6, routes  # me, notices, detail, document, verify, events at least
    unknown = sorted({n for _, p in routes for n in PARAM.findall(p) if n not in ids_of_a})
    assert not unknown, (
        f"path parameters {unknown} are not in ids_of_a: add each, pointing at an object of citizen A's"
    )
    failures: list[str] = []
    secrets_of_a = [v for k, v in ids_of_a.items() if k in ("notice_id", "_cccd", "_number")]
    for method, path in routes:
        key = f"{method} {path}"
        body = BODIES.get(key, {})
        params = PARAM.findall(path)
        url = PARAM.sub(lambda m: ids_of_a[m.group(1)], path)
        status, answer = _call(client, method, url, as_b, body)
        if not params:
            leaked = [s for s in secrets_of_a if s in str(answer)]
            if leaked:
                failures.append(f"{key}: B's answer holds A's {leaked}")
            continue
        decoys = {n: _decoy(n, ids_of_a[n]) for n in params}
        decoy_url = path
        for n, value in decoys.items():
            decoy_url = re.sub(r"\{" + n + r"(?::\w+)?\}", value, decoy_url)
        decoy_status, decoy_answer = _call(client, method, decoy_url, as_b, body)
        if status == 404:
            # The same answer, once each answer's own ids are blanked out ("no notice <id>" is fine).
            mine, other = str(answer), str(decoy_answer)
            for n in params:
                mine, other = mine.replace(ids_of_a[n], "{id}"), other.replace(decoys[n], "{id}")
            if (status, mine) != (decoy_status, other):
                failures.append(f"{key}: A's id answers {answer!r}, a missing one {decoy_answer!r}")
        elif status == 422:
            if _call(client, method, url, as_a, body) != (status, answer):
                failures.append(f"{key}: B's 422 differs from A's for the same request (a hint)")
        else:
            failures.append(f"{key}: citizen B got {status} {str(answer)[:200]}")
        owner_status, owner_answer = _call(client, method, url, as_a, body)
        if owner_status in (401, 403, 404):
            failures.append(f"{key}: the owner A got {owner_status} {str(owner_answer)[:200]}")
    assert not failures, "\n".join(failures)
