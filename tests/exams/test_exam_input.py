"""An exam's start must be an instant: with its offset, in a sane range; it is stored and answered as UTC."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core.models import Role
from exams.models import Exam
from tests.support.factories import staff_headers


def _create(client: TestClient, starts_at: str, code: str) -> httpx.Response:
    return client.post(
        "/api/exams",
        json={"code": code, "kind": "online", "centre": "Trường THPT Chu Văn An", "starts_at": starts_at},
        headers=staff_headers(Role.exam_officer),
    )


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        ("2026-12-05T08:00:00", "UTC offset"),  # naive: whose 08:00?
        ("9999-12-31T23:59:59-23:59", "out of range"),  # past the largest datetime once in UTC
        ("0001-01-01T00:00:00+23:59", "out of range"),  # before the smallest one
        ("1970-01-01T00:00:00Z", "out of range"),
    ],
)
def test_a_start_without_offset_or_out_of_range_is_refused(
    client: TestClient, starts_at: str, message: str
) -> None:
    made = _create(client, starts_at, "EX-BAD")
    assert made.status_code == 422, made.text
    body = made.json()
    assert body["error"] == "ValidationError"
    assert message in body["detail"][0]["msg"]


def test_the_start_is_stored_and_answered_in_utc(client: TestClient, db: Session) -> None:
    made = _create(client, "2026-12-05T08:00:00+07:00", "EX-UTC")
    assert made.status_code == 201, made.text
    assert made.json()["starts_at"] in ("2026-12-05T01:00:00Z", "2026-12-05T01:00:00+00:00")
    stored = db.get(Exam, uuid.UUID(made.json()["id"]))
    assert stored is not None
    assert stored.starts_at == datetime(2026, 12, 5, 1, tzinfo=UTC)
