"""The review queue as CSV: the page's filter and sort over every page, the violation in the law's
words (checked against the decree's own table file, not through describe), audited as one bulk read,
formula-safe cells, and the roles that may export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import penalties.law
from core.models import AuditEntry, Role
from core.time import utc_now
from tests.support.factories import make_candidate, make_staff
from tests.web.test_pages import HTML, _sign_in

DECREE_168 = Path(penalties.law.__file__).parent / "decree_168_2024.csv"
HEADER = [
    "candidate_id",
    "detected_at_vn",
    "age_days",
    "age_band",
    "camera",
    "violation_code",
    "violation_vi",
    "violation_en",
    "law",
    "article",
    "fine_min_vnd",
    "fine_max_vnd",
    "fine_range",
    "points",
    "law_note",
    "vehicle_class",
    "plate",
    "plate_confidence",
    "status",
    "claimed_by",
]


def _decree_rows() -> dict[tuple[str, str], dict[str, str]]:
    with DECREE_168.open(encoding="utf-8") as f:
        return {(r["violation_code"], r["vehicle_class"]): r for r in csv.DictReader(f)}


def _read_csv(body: bytes) -> tuple[list[str], list[dict[str, str]]]:
    text = body.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


def test_export_has_every_page_in_the_page_order_with_the_law_words(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="exporter")
    now = utc_now()
    for i in range(28):  # more than one page of 25
        cls = "motorbike" if i % 2 else "car"
        code = "SPEED_10_20" if i % 3 else "RED_LIGHT"
        make_candidate(
            db,
            plate=f"59X{10000 + i}",
            code=code,
            vehicle_class=cls,
            detected_at=now - timedelta(hours=i + 1),
        )
    make_candidate(db, plate="29A55555", camera_code="CAM-OTHER", detected_at=now - timedelta(days=1))
    make_candidate(db, plate="51G00001", code="NOT_IN_LAW", detected_at=now - timedelta(days=2))
    db.commit()
    _sign_in(client, "exporter")
    response = client.get("/review/export.csv?camera=HCM-Q1-001&sort=plate&dir=desc")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="review-queue-')
    header, rows = _read_csv(response.content)
    assert header == HEADER
    assert len(rows) == 29  # 28 + the unknown code; the other camera is filtered out
    assert [r["plate"] for r in rows] == sorted((r["plate"] for r in rows), reverse=True)
    law = _decree_rows()
    for row in rows:
        if row["violation_code"] == "NOT_IN_LAW":
            assert row["violation_vi"] == row["violation_en"] == row["article"] == ""
            assert "NOT_IN_LAW" in row["law_note"]
            continue
        expected = law[(row["violation_code"], row["vehicle_class"])]
        assert row["violation_vi"] == expected["description_vi"]
        assert row["violation_en"] == expected["description_en"]
        assert row["article"] == expected["legal_reference"]
        assert (row["fine_min_vnd"], row["fine_max_vnd"]) == (
            expected["fine_min_vnd"],
            expected["fine_max_vnd"],
        )
        assert row["points"] == expected["points_deducted"]
        assert row["law_note"] == ""
    motorbike_red = next(
        r for r in rows if (r["violation_code"], r["vehicle_class"]) == ("RED_LIGHT", "motorbike")
    )
    assert motorbike_red["fine_range"] == "4.000.000 ₫ – 6.000.000 ₫"
    # One audit entry for the whole read, naming the plates that left in the file.
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "review_queue.read")).one()
    assert entry.detail["rows"] == 29
    assert entry.detail["plates"] == sorted(r["plate"] for r in rows)
    assert entry.detail["query"] == {"camera": "HCM-Q1-001", "sort": "plate", "dir": "desc"}
    assert "29A55555" not in entry.detail["plates"]


def test_export_cells_never_start_a_formula_and_bad_input_is_refused(client: TestClient, db: Session) -> None:
    make_staff(db, Role.reviewer, username="safe")
    make_candidate(db, plate="51G12345", camera_code="=HYPERLINK(1)")
    db.commit()
    _sign_in(client, "safe")
    _, rows = _read_csv(client.get("/review/export.csv").content)
    assert rows[0]["camera"] == "'=HYPERLINK(1)"
    for bad in ("sort=owner", "dir=sideways", "min_conf=2"):
        refused = client.get(f"/review/export.csv?{bad}")
        assert refused.status_code == 422 and refused.json()["error"] == "ValidationError"
    audited = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "review_queue.read").order_by(AuditEntry.seq)
    ).all()
    assert len(audited) == 1  # the refused exports read nothing and record nothing


def test_export_is_for_the_queue_roles_only(client: TestClient, db: Session) -> None:
    make_staff(db, Role.ops, username="opsexport")
    make_staff(db, Role.supervisor, username="supexport")
    make_candidate(db)
    db.commit()
    assert client.get("/review/export.csv", follow_redirects=False).status_code in (401, 303)
    _sign_in(client, "opsexport")
    assert client.get("/review/export.csv", headers=HTML).status_code == 403
    _sign_in(client, "supexport")
    _, rows = _read_csv(client.get("/review/export.csv").content)
    assert len(rows) == 1
