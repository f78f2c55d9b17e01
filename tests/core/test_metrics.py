"""GET /metrics: who may scrape it, the database gauges, and the HTTP request counter."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from core.config import reset_settings
from core.jobs import enqueue
from core.models import Role
from core.time import utc_now
from penalties.candidates.models import CandidateStatus
from tests.support import tasks  # noqa: F401  (registers the "tests.record" job)
from tests.support.factories import make_candidate, staff_headers


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def scrape(
    client: TestClient, headers: dict[str, str]
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    resp = client.get("/metrics", headers=headers)
    assert resp.status_code == 200, resp.text
    return samples(resp.text)


@pytest.fixture
def scrape_token(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    token = secrets.token_urlsafe(48)
    monkeypatch.setenv("TVP_METRICS_TOKEN", token)
    reset_settings()
    yield token
    monkeypatch.undo()
    reset_settings()


def test_ops_scrapes_the_text_format(client: TestClient) -> None:
    resp = client.get("/metrics", headers=staff_headers(Role.ops))
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "# TYPE tvp_http_requests_total counter" in resp.text
    assert "# TYPE tvp_candidates gauge" in resp.text


@pytest.mark.parametrize(
    ("headers", "status", "error"),
    [
        ({}, 401, "Unauthorized"),
        ({"Authorization": "Bearer not-the-scrape-token"}, 401, "Unauthorized"),
        ({"Authorization": "Basic b3BzOm9wcw=="}, 401, "Unauthorized"),
    ],
)
def test_refused_without_a_role_or_the_token(
    client: TestClient, scrape_token: str, headers: dict[str, str], status: int, error: str
) -> None:
    resp = client.get("/metrics", headers=headers)
    assert resp.status_code == status and resp.json()["error"] == error
    assert "tvp_" not in resp.text


def test_a_reviewer_is_refused(client: TestClient) -> None:
    resp = client.get("/metrics", headers=staff_headers(Role.reviewer))
    assert resp.status_code == 403 and resp.json()["error"] == "AccessDenied"


def test_the_scrape_token_is_accepted(client: TestClient, scrape_token: str) -> None:
    resp = client.get("/metrics", headers={"Authorization": f"Bearer {scrape_token}"})
    assert resp.status_code == 200 and "tvp_jobs" in resp.text


def test_no_token_works_when_none_is_configured(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TVP_METRICS_TOKEN", raising=False)
    reset_settings()
    resp = client.get("/metrics", headers={"Authorization": "Bearer "})
    assert resp.status_code == 401


def test_gauges_reflect_the_rows(client: TestClient, db: Session) -> None:
    headers = staff_headers(Role.ops)
    make_candidate(db, code="RED_LIGHT")
    make_candidate(db, code="SPEEDING")
    rejected = make_candidate(db, code="RED_LIGHT")
    rejected.status = CandidateStatus.rejected
    enqueue(db, "tests.record", {"label": "metrics"})
    db.commit()
    got = scrape(client, headers)
    assert got[("tvp_candidates", (("state", "pending_review"),))] == 2
    assert got[("tvp_candidates", (("state", "rejected"),))] == 1
    assert got[("tvp_candidates", (("state", "escalated"),))] == 0
    assert got[("tvp_jobs", (("state", "pending"),))] == 1
    assert got[("tvp_notices", (("state", "issued"),))] == 0
    assert got[("tvp_payments", (("outcome", "succeeded"),))] == 0
    assert got[("tvp_deliveries_awaiting_retry", ())] == 0
    age = got[("tvp_review_backlog_oldest_age_seconds", (("state", "pending_review"),))]
    assert 0 <= age < 600  # recorded moments ago (no escalated one: 0)
    assert got[("tvp_review_backlog_oldest_age_seconds", (("state", "escalated"),))] == 0


def test_backlog_age_is_the_oldest_waiting_candidate(client: TestClient, db: Session) -> None:
    headers = staff_headers(Role.ops)
    old = make_candidate(db)
    old.created_at = utc_now() - timedelta(hours=5)
    make_candidate(db)
    db.commit()
    age = scrape(client, headers)[("tvp_review_backlog_oldest_age_seconds", (("state", "pending_review"),))]
    assert 5 * 3600 <= age < 5 * 3600 + 600


def test_requests_are_counted_by_route_template(client: TestClient) -> None:
    headers = staff_headers(Role.ops)
    candidate_id = "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d12"
    key = ("tvp_http_requests_total", (("method", "GET"), ("route", "/api/ops/jobs"), ("status", "200")))
    before = scrape(client, headers).get(key, 0)
    assert client.get("/api/ops/jobs", headers=headers).status_code == 200
    client.get(f"/api/candidates/{candidate_id}/claim", headers=headers)  # 405: GET on a POST route
    client.get(f"/no/such/{candidate_id}")
    text = client.get("/metrics", headers=headers).text
    got = samples(text)
    assert got[key] == before + 1
    assert candidate_id not in text  # ids never become label values
    assert any(
        name == "tvp_http_requests_total"
        and dict(labels).get("route") == "/api/candidates/{candidate_id}/claim"
        for name, labels in got
    )
    assert any(
        name == "tvp_http_requests_total"
        and dict(labels) == {"route": "<unmatched>", "method": "GET", "status": "404"}
        for name, labels in got
    )
    assert re.search(r'tvp_http_request_duration_seconds_count\{method="GET",route="/api/ops/jobs"\}', text)
