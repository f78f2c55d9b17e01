"""Live updates (SSE, GET /api/citizen/v1/events) from a real server: a notice reaching the citizen, a
nomination naming them, a decision issued to them are streamed to them, and never to another citizen."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_app_api.events import changes
from core.db import session_scope
from core.plugins import load_tasks
from core.time import utc_now
from penalties.decisions.service import issue_decision
from penalties.notices.models import NoticeStatus
from penalties.notices.notify import NOTIFY_TASK, notify_citizen
from registry.models import Citizen
from tests.support.citizen_app import citizen_app_server
from tests.support.citizen_notices import citizen_with_notice, issued_notice
from tests.support.decisions import supervisor_id
from tests.support.delivery import run_due_jobs
from tests.support.factories import citizen_token, make_citizen, make_vehicle


def events(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, object]]]:
    """(event, data) pairs of a Server-Sent Events stream; comments (heartbeats) skipped."""
    name = ""
    for line in lines:
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            yield name, json.loads(line.removeprefix("data: "))


def test_changes_tell_new_and_changed_notices_apart() -> None:
    before = {"a": "delivered", "b": "delivered"}
    now = {"a": "paid", "b": "delivered", "c": "delivered"}
    assert changes(before, now) == [
        ("notice.updated", {"id": "a", "status": "paid"}),
        ("notice.issued", {"id": "c", "status": "delivered"}),
    ]


def test_the_stream_needs_a_citizen(client: TestClient) -> None:
    assert client.get("/api/citizen/v1/events").status_code == 401


def test_a_new_notice_is_streamed_to_its_owner_only(
    database_url: str, db: Session, evidence_dir: Path
) -> None:
    with session_scope() as seeding:
        a, _ = citizen_with_notice(seeding, serial=4401, plate="51G12345", display="51G-123.45")
        b = make_citizen(seeding, serial=4402, name="Phạm Thị Dung")
        make_vehicle(seeding, b, plate="30A99988", display="30A-999.88")
        a_cccd, b_cccd = a.cccd, b.cccd
    with (
        citizen_app_server(database_url, TVP_EVIDENCE_DIR=str(evidence_dir)) as base,
        httpx.Client(base_url=base, timeout=60) as http,
    ):
        headers = {"Authorization": f"Bearer {citizen_token(http, a_cccd)}"}  # type: ignore[arg-type]
        with http.stream("GET", "/api/citizen/v1/events", headers=headers) as resp:
            assert resp.status_code == 200
            assert resp.headers["content-type"].startswith("text/event-stream")
            stream = events(resp.iter_lines())
            assert next(stream) == ("ready", {"notices": 1})
            # B's notice first, issued earlier: were it leaked, it would be the first event A gets
            # (a poll lists notices in issue order).
            with session_scope() as seeding:
                owner_b = seeding.scalars(select(Citizen).where(Citizen.cccd == b_cccd)).one()
                theirs = issued_notice(seeding, owner_b, "30A99988", issued_at=utc_now() - timedelta(hours=1))
                theirs_id = str(theirs.id)
            with session_scope() as seeding:
                owner_a = seeding.scalars(select(Citizen).where(Citizen.cccd == a_cccd)).one()
                mine_id = str(issued_notice(seeding, owner_a, "51G12345", index=2).id)
            event, data = next(stream)
    assert (event, data) == ("notice.issued", {"id": mine_id, "status": "delivered"})
    assert theirs_id != mine_id


def until(stream: Iterator[tuple[str, dict[str, object]]], event: str, ident: str) -> list[tuple[str, dict]]:
    """The stream's events up to and including ``event`` about ``ident`` (the stream ends, failing the
    test, after the server's TVP_CITIZEN_EVENTS_MAX_S)."""
    seen: list[tuple[str, dict]] = []
    for name, data in stream:
        seen.append((name, data))
        if (name, data.get("id")) == (event, ident):
            return seen
    raise AssertionError(f"the stream ended without {event} {ident}: {seen}")


def tell(cccd: str, event: str, object_id: str) -> None:
    """Tell a citizen something, as the domain does, and run the notify job (as the worker would)."""
    with session_scope() as session:
        notify_citizen(session, cccd, event, object_id)
    run_due_jobs(only={NOTIFY_TASK})


def test_a_nomination_is_streamed_to_the_named_driver_only(
    database_url: str, db: Session, evidence_dir: Path
) -> None:
    load_tasks()
    with session_scope() as seeding:
        a, notice = citizen_with_notice(seeding, serial=4411, plate="51G12346", display="51G-123.46")
        b = make_citizen(seeding, serial=4412, name="Phạm Thị Dung")
        a_cccd, b_cccd, notice_id = a.cccd, b.cccd, str(notice.id)
    env = {"TVP_EVIDENCE_DIR": str(evidence_dir), "TVP_CITIZEN_EVENTS_MAX_S": "30"}
    with (
        citizen_app_server(database_url, **env) as base,
        httpx.Client(base_url=base, timeout=60) as http,
    ):
        owner = {"Authorization": f"Bearer {citizen_token(http, a_cccd)}"}  # type: ignore[arg-type]
        driver = {"Authorization": f"Bearer {citizen_token(http, b_cccd)}"}  # type: ignore[arg-type]
        with (
            http.stream("GET", "/api/citizen/v1/events", headers=owner) as a_resp,
            http.stream("GET", "/api/citizen/v1/events", headers=driver) as b_resp,
        ):
            a_stream, b_stream = events(a_resp.iter_lines()), events(b_resp.iter_lines())
            assert next(a_stream)[0] == next(b_stream)[0] == "ready"
            named = http.post(
                f"/api/citizen/v1/notices/{notice_id}/nominate", json={"cccd": b_cccd}, headers=owner
            )
            assert named.status_code == 201, named.text
            nomination_id = named.json()["id"]
            run_due_jobs(only={NOTIFY_TASK})
            to_b = until(b_stream, "nomination.received", nomination_id)
            # Told to A after B's nomination: A's stream reaches it only after anything leaked before it.
            tell(a_cccd, "points.changed", "marker")
            to_a = until(a_stream, "points.changed", "marker")
    assert to_b == [("nomination.received", {"id": nomination_id})]
    assert ("notice.updated", {"id": notice_id, "status": "nominated_driver"}) in to_a
    assert not [name for name, _ in to_a if name.startswith("nomination.")]


def test_a_decision_is_streamed_to_the_person_sanctioned(
    database_url: str, db: Session, evidence_dir: Path
) -> None:
    load_tasks()
    with session_scope() as seeding:
        a, notice = citizen_with_notice(
            seeding, serial=4421, plate="51G12347", display="51G-123.47", status=NoticeStatus.acknowledged
        )
        a_cccd, notice_id = a.cccd, notice.id
        issuer = supervisor_id(seeding)
    env = {"TVP_EVIDENCE_DIR": str(evidence_dir), "TVP_CITIZEN_EVENTS_MAX_S": "30"}
    with (
        citizen_app_server(database_url, **env) as base,
        httpx.Client(base_url=base, timeout=60) as http,
    ):
        headers = {"Authorization": f"Bearer {citizen_token(http, a_cccd)}"}  # type: ignore[arg-type]
        with http.stream("GET", "/api/citizen/v1/events", headers=headers) as resp:
            stream = events(resp.iter_lines())
            assert next(stream) == ("ready", {"notices": 1})
            with session_scope() as issuing:
                decision_id = str(
                    issue_decision(issuing, [notice_id], issued_by=uuid.UUID(issuer), now=utc_now()).id
                )
            run_due_jobs(only={NOTIFY_TASK})
            seen = until(stream, "decision.issued", decision_id)
            if ("points.changed", {"id": decision_id}) not in seen:  # the points deducted: told too
                seen += until(stream, "points.changed", decision_id)
    about_it = {name for name, data in seen if data == {"id": decision_id}}
    assert about_it == {"decision.issued", "points.changed"}
