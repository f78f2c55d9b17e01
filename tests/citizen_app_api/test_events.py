"""Live updates (SSE, GET /api/citizen/v1/events) from a real server: a notice reaching the citizen is
streamed to them, and never to another citizen."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_app_api.events import changes
from core.db import session_scope
from core.time import utc_now
from registry.models import Citizen
from tests.support.citizen_app import citizen_app_server
from tests.support.citizen_notices import citizen_with_notice, issued_notice
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
