"""IDOR sweep: EVERY route of the app under /api/citizen/v1 (read from app.routes, so routes added later
are covered with no change here), called by citizen B with citizen A's ids.

The rule, per route:
- with path parameters (an object of A's): B gets 404, with exactly the body B gets for an id that
  does not exist (no hint that A's exists). The one exception is 422 when the request itself is invalid
  (a body this test does not build): then A, sending the same request, must get the very same 422, so
  the answer does not depend on whose id it is. Never 2xx, never 403. A, the owner, never gets 404.
- without path parameters (B's own lists): whatever B gets, none of A's ids, numbers or CCCD are in it.

Path parameters are filled from ``ids_of_a`` (parameter name → A's object; ``BUILDERS`` make A's
devices, deliveries, nominations and decisions when those parts of the API are installed). A parameter
it does not know FAILS the test: add it there, pointing at an object of A's. Mutating routes are sent
``BODIES`` (default ``{}``); give a route a valid body there to check it past validation.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.app import iter_api_routes
from core.db import Base
from core.models import Role
from tests.support.citizen_notices import citizen_with_notice
from tests.support.factories import citizen_token, make_citizen, staff_headers

PREFIX = "/api/citizen/v1"
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
# "METHOD path" → a valid JSON body for that route, from A's ids (the others get {}).
BODIES: dict[str, Callable[[dict[str, str]], object]] = {
    f"POST {PREFIX}/notices/{{notice_id}}/nominate": lambda ids: {"cccd": ids["_someone"]},
}


@pytest.fixture
def ids_of_a(app: FastAPI, client: TestClient, db: Session, evidence_dir: Path) -> dict[str, str]:
    """Citizen A's objects by path-parameter name (plus A's CCCD and notice number, which must not
    show up in B's answers). Objects of parts of the API that are not installed are not made."""
    a, notice = citizen_with_notice(db, serial=2201, plate="51G12345", display="51G-123.45")
    someone = make_citizen(db, serial=2204, name="Vũ Văn Hải")  # a third citizen, to name as a driver
    db.commit()
    ids = {
        "notice_id": str(notice.id),
        "name": "blurred-frame-at.png",  # a blurred evidence file of A's notice (citizen_app_api/evidence.py)
        "_cccd": a.cccd,
        "_number": notice.number,
        "_someone": someone.cccd,
    }
    routes = {f"{m} {p}" for m, p, _ in iter_api_routes(app)}
    as_a = {"Authorization": f"Bearer {citizen_token(client, a.cccd)}"}
    for needs, build in BUILDERS:
        if needs in routes:
            ids.update(build(client, db, as_a, ids))
    return ids


def _a_device(client: TestClient, db: Session, as_a: dict[str, str], ids: dict[str, str]) -> dict[str, str]:
    """A's registered device (citizen_app_api/delivery) and a push delivered to it."""
    device = {"kind": "webhook", "url": "https://app.example.com/tvp-hook", "label": "A's phone"}
    made = client.post(f"{PREFIX}/devices", json=device, headers=as_a)
    assert made.status_code == 201, made.text
    out = {"endpoint_id": str(made.json()["id"])}
    from core.jobs.runner import JobFailed, execute
    from core.models import Job
    from penalties.notices.notify import notify_citizen

    notify_citizen(db, ids["_cccd"], "notice.issued", ids["notice_id"])
    db.commit()
    for job_id in db.scalars(select(Job.id).where(Job.key.like("notify:%"))).all():
        with contextlib.suppress(JobFailed):  # a failed send is retried later; the delivery is made
            execute(str(job_id))
    db.rollback()
    deliveries = Base.metadata.tables["citizen_deliveries"]
    found = db.scalars(select(deliveries.c.id).where(deliveries.c.cccd == ids["_cccd"])).first()
    assert found is not None, "no delivery to A's device was made"
    out["delivery_id"] = str(found)
    return out


def _a_nomination(
    client: TestClient, db: Session, as_a: dict[str, str], ids: dict[str, str]
) -> dict[str, str]:
    """A nomination naming A as the driver of another owner's notice (citizen_app_api/responses.py)."""
    owner, notice = citizen_with_notice(
        db, serial=2203, plate="30A99988", display="30A-999.88", name="Đỗ Thị Giang", index=1
    )
    db.commit()
    as_owner = {"Authorization": f"Bearer {citizen_token(client, owner.cccd)}"}
    made = client.post(
        f"{PREFIX}/notices/{notice.id}/nominate", json={"cccd": ids["_cccd"]}, headers=as_owner
    )
    assert made.status_code == 201, made.text
    return {"nomination_id": str(made.json()["id"])}


def _a_decision(client: TestClient, db: Session, as_a: dict[str, str], ids: dict[str, str]) -> dict[str, str]:
    """A sanction decision on another notice of A's, issued by a supervisor (penalties/decisions)."""
    from core.models import Role
    from registry.models import Citizen
    from tests.support.citizen_notices import issued_notice
    from tests.support.factories import staff_headers

    a = db.scalars(select(Citizen).where(Citizen.cccd == ids["_cccd"])).one()
    notice = issued_notice(db, a, "51G12345", index=3)
    db.commit()
    made = client.post(
        "/api/decisions", json={"notice_ids": [str(notice.id)]}, headers=staff_headers(Role.supervisor)
    )
    assert made.status_code == 201, made.text
    return {"decision_id": str(made.json()["id"])}


def _a_payment(client: TestClient, db: Session, as_a: dict[str, str], ids: dict[str, str]) -> dict[str, str]:
    """A's payment of A's decision (payments; the gateway is not called until A pays)."""
    made = client.post(f"{PREFIX}/decisions/{ids['decision_id']}/payments", headers=as_a)
    assert made.status_code == 200, made.text
    return {"payment_id": str(made.json()["id"])}


def _a_registration(
    client: TestClient, db: Session, as_a: dict[str, str], ids: dict[str, str]
) -> dict[str, str]:
    """A's registration for an online exam (exams: the candidate's own check-in)."""
    headers = staff_headers(Role.exam_officer)
    exam = client.post(
        "/api/exams",
        json={"code": "IDOR-1", "kind": "online", "centre": "Trường A", "starts_at": "2026-12-05T01:00:00Z"},
        headers=headers,
    )
    assert exam.status_code == 201, exam.text
    made = client.post(
        f"/api/exams/{exam.json()['id']}/candidates",
        json={"cccd": ids["_cccd"], "full_name": "Citizen A"},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    return {"reg_id": str(made.json()["id"])}


# Routes whose path parameters need an object of A's beyond the notice: (the route that shows the part
# of the API is installed, how to make A's objects for it).
BUILDERS: list[
    tuple[str, Callable[[TestClient, Session, dict[str, str], dict[str, str]], dict[str, str]]]
] = [
    (f"POST {PREFIX}/devices", _a_device),
    (f"POST {PREFIX}/notices/{{notice_id}}/nominate", _a_nomination),
    ("POST /api/decisions", _a_decision),
    (f"POST {PREFIX}/decisions/{{decision_id}}/payments", _a_payment),
    (f"POST {PREFIX}/exams/registrations/{{reg_id}}/checkins", _a_registration),
]


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
    b = make_citizen(db, serial=2202, name="Lê Văn Cường")
    db.commit()
    as_a = {"Authorization": f"Bearer {citizen_token(client, ids_of_a['_cccd'])}"}  # a fresh sign-in
    as_b = {"Authorization": f"Bearer {citizen_token(client, b.cccd)}"}
    # Writes first (what A makes, such as an acknowledgement, is then there to read), reads next,
    # DELETEs last (removing A's device first would take the deliveries to it along).
    routes = sorted(
        {(m, p) for m, p, _ in iter_api_routes(app) if p.startswith(PREFIX)},
        key=lambda r: ({"GET": 1, "DELETE": 2}.get(r[0], 0), r),
    )
    assert len(routes) >= 6, routes  # me, notices, detail, document, verify, events at least
    unknown = sorted({n for _, p in routes for n in PARAM.findall(p) if n not in ids_of_a})
    assert not unknown, (
        f"path parameters {unknown} are not in ids_of_a: add each, pointing at an object of citizen A's"
    )
    failures: list[str] = []
    secrets_of_a = [v for k, v in ids_of_a.items() if k in ("notice_id", "_cccd", "_number")]
    for method, path in routes:
        key = f"{method} {path}"
        body = BODIES[key](ids_of_a) if key in BODIES else {}
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
