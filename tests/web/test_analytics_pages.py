"""The analytics page and its CSV: they read the aggregate table only, show the same figures, filter by
Vietnam dates, camera and province, have an empty state, refuse bad filters, and only analysts see them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from analytics.refresh import refresh_day
from core.db import get_engine
from core.models import Role
from tests.support.analytics import DAY, NEXT, History, seed_history
from tests.support.factories import staff_headers

BASE_TABLES = ("violation_candidates", "notices", "decisions", "decision_notices", "payments", "cameras")


@pytest.fixture
def analyst(db: Session) -> dict[str, str]:
    return staff_headers(Role.supervisor)


@pytest.fixture
def history(db: Session) -> History:
    seeded = seed_history(db)
    refresh_day(db, DAY)
    refresh_day(db, NEXT)
    db.commit()
    return seeded


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _values(html: str, chart: str) -> dict[str, str]:
    svg = re.search(rf'<svg id="{chart}".*?</svg>', html, re.S)
    assert svg is not None, chart
    return dict(re.findall(r'<rect class="bar s0" data-label="([^"]*)" data-value="([^"]*)"', svg.group(0)))


def _csv(client: TestClient, analyst: dict[str, str], query: str) -> dict[tuple[str, str], dict[str, int]]:
    resp = client.get(f"/analytics.csv?{query}", headers=analyst)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    return {(r.pop("group"), r.pop("key")): {k: int(v) for k, v in r.items()} for r in rows}


def test_page_reads_only_the_aggregate_table(
    client: TestClient, history: History, analyst: dict[str, str]
) -> None:
    with statements() as seen:
        resp = client.get(f"/analytics?from={DAY}&to={NEXT}", headers=analyst)
    assert resp.status_code == 200
    tables = [set(re.findall(r'\b(?:FROM|JOIN|UPDATE|INTO)\s+"?(\w+)', s, re.I)) for s in seen]
    assert sum("analytics_daily" in used for used in tables) >= 5
    read = set().union(*tables)
    assert not read & set(BASE_TABLES), read  # the page's own tables and the sign-in's only
    for chart in ("chart-type", "chart-camera", "chart-hour", "chart-weekday", "chart-trend"):
        assert f'<svg id="{chart}"' in resp.text
    assert '<title id="chart-hour-title">Vi phạm theo giờ trong ngày</title>' in resp.text
    english = client.get(f"/analytics?from={DAY}&to={NEXT}&lang=en", headers=analyst)
    assert '<title id="chart-hour-title">Violations by hour of day</title>' in english.text


def test_csv_has_the_page_figures_and_the_seeded_counts(
    client: TestClient, history: History, analyst: dict[str, str]
) -> None:
    query = f"from={DAY}&to={NEXT}"
    table = _csv(client, analyst, query)
    total = table[("total", f"{DAY}..{NEXT}")]
    assert total == {m: history.total(m) for m in total}
    assert table[("day", str(DAY))]["detected"] == history.total("detected", DAY) == 3
    assert table[("hour", "23")]["detected"] == 1  # the 23:30 red light, in Vietnam's hour 23
    assert table[("weekday", "tue")]["detected"] == 3 and table[("weekday", "wed")]["detected"] == 1
    page = client.get(f"/analytics?{query}", headers=analyst).text
    by_type = _values(page, "chart-type")
    assert by_type == {
        code: str(table[("violation", code)]["detected"]) for code in ("RED_LIGHT", "SPEEDING")
    }
    by_hour = _values(page, "chart-hour")
    assert by_hour == {f"{h:02d}": str(table[("hour", f"{h:02d}")]["detected"]) for h in range(24)}
    paid_rate = re.search(r'data-metric="payment_rate">.*?<div class="num">([^<]*)</div>', page, re.S)
    assert paid_rate is not None and paid_rate.group(1) == "100 %"


def test_filters_by_dates_camera_and_area(
    client: TestClient, history: History, analyst: dict[str, str]
) -> None:
    only_day = _csv(client, analyst, f"from={DAY}&to={DAY}")
    assert only_day[("total", f"{DAY}..{DAY}")]["detected"] == 3
    assert only_day[("total", f"{DAY}..{DAY}")]["paid"] == 0  # paid the next day
    cam_a = _csv(client, analyst, f"from={DAY}&to={NEXT}&camera=CAM-A")
    assert {k for g, k in cam_a if g == "camera"} == {"CAM-A"}
    assert cam_a[("total", f"{DAY}..{NEXT}")]["detected"] == 2
    hanoi = _csv(client, analyst, f"from={DAY}&to={NEXT}&area=29")
    assert {k for g, k in hanoi if g == "camera"} == {"CAM-B"}
    page = client.get(f"/analytics?from={DAY}&to={NEXT}&area=29", headers=analyst).text
    as_the_form_sends = client.get(f"/analytics?from={DAY}&to={DAY}&camera=&area=", headers=analyst)
    assert as_the_form_sends.status_code == 200 and _values(as_the_form_sends.text, "chart-camera")
    assert _values(page, "chart-camera") == {"CAM-B": "2"}


def test_empty_state(client: TestClient, history: History, analyst: dict[str, str]) -> None:
    resp = client.get("/analytics?from=2026-01-01&to=2026-01-31", headers=analyst)
    assert resp.status_code == 200
    assert 'id="empty"' in resp.text and "<svg" not in resp.text
    assert "CAM-A" in resp.text  # the filter still lists the cameras
    empty_csv = _csv(client, analyst, "from=2026-01-01&to=2026-01-31")
    assert empty_csv[("total", "2026-01-01..2026-01-31")]["detected"] == 0


@pytest.mark.parametrize(
    ("query", "says"),
    [
        (f"from={NEXT}&to={DAY}", "is after"),
        ("from=2020-01-01&to=2026-01-01", "at most 731 days"),
        ("from=2026-02-30", "date"),
        ("area=HN", "pattern"),
        ("from=1999-12-31&to=2000-01-01", "greater than or equal"),
    ],
)
def test_bad_filters_are_refused_clearly(
    client: TestClient, analyst: dict[str, str], query: str, says: str
) -> None:
    for path in ("/analytics", "/analytics.csv"):
        resp = client.get(f"{path}?{query}&lang=en", headers=analyst)
        assert resp.status_code == 422, resp.text
        body = resp.json()
        assert body["error"] in ("InvalidInput", "RequestValidationError", "ValidationError")
        assert says in str(body["detail"]), body
    html = client.get(f"/analytics?{query}", headers={**analyst, "Accept": "text/html"})
    assert html.status_code == 422 and "<html" in html.text


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.supervisor, 200),
        (Role.ops, 200),
        (Role.admin, 200),
        (Role.reviewer, 403),
        (Role.exam_officer, 403),
    ],
)
def test_only_analysts_see_it(client: TestClient, db: Session, role: Role, status: int) -> None:
    for path in ("/analytics", "/analytics.csv"):
        assert client.get(path, headers=staff_headers(role)).status_code == status
    assert client.get("/analytics").status_code == 401
