"""Open data: k-anonymous monthly statistics, with no personal data, the same bytes on every run."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core.cli import app as tvp
from core.evidence import LocalBlobStore
from core.jobs.runner import execute
from core.jobs.schedule import enqueue_due
from core.models import AuditEntry, Job, Role
from core.plugins import load_tasks
from core.time import VN_TZ, utc_now
from penalties.decisions.models import DecisionStatus
from penalties.notices.models import NoticeStatus
from penalties.opendata.aggregate import MERGED, Counts, parse_month, suppress
from penalties.opendata.exceptions import MonthInvalid, MonthNotOver
from penalties.opendata.models import OpenDataFile
from penalties.opendata.service import publish
from penalties.opendata.tasks import PUBLISH_TASK, publish_opendata
from tests.support.factories import staff_headers
from tests.support.opendata import confirmed

MARCH = "2025-03"
NOON = datetime(2025, 3, 10, 12, 15, tzinfo=VN_TZ).astimezone(UTC)  # hour band 12-18
LICENCE = "CC BY 4.0 — tvp open data"


def cell(band: str = "12-18", cls: str = "car") -> tuple[str, str, str, str]:
    return ("51", "RED_LIGHT", cls, band)


def test_a_cell_of_k_is_published_and_one_of_k_minus_1_is_not() -> None:
    result = suppress(MARCH, {cell("12-18"): Counts(violations=10), cell("18-24"): Counts(violations=9)}, 10)
    assert [(key, c.violations) for key, c in result.rows] == [(cell("12-18"), 10)]
    assert result.dropped_violations == 9


def test_small_cells_merge_up_until_they_reach_k() -> None:
    small = {cell("00-06"): Counts(violations=6, paid=1), cell("18-24"): Counts(violations=4, notices=4)}
    result = suppress(MARCH, {**small, cell("12-18", "bus"): Counts(violations=3)}, 10)
    # the car's two bands make 10 together: published as (…, car, *); the lone bus 3 climbs and is dropped
    assert [(key, c.values()) for key, c in result.rows] == [
        (("51", "RED_LIGHT", "car", MERGED), (10, 4, 0, 1))
    ]
    assert (result.merged, result.dropped_violations) == (7, 3)


def _publish(db: Session, store: LocalBlobStore, *, k: int = 10) -> dict[str, bytes]:
    done = publish(db, store, MARCH, k=k, licence=LICENCE, actor="test")
    return {f.name: store.get(f.sha256) for f in done.files}


def test_counts_follow_notices_decisions_and_payments(db: Session, tmp_path: Path) -> None:
    for i in range(10):
        confirmed(
            db,
            NOON + timedelta(minutes=i),
            notice=NoticeStatus.paid if i < 3 else NoticeStatus.delivered if i < 8 else None,
            decision=DecisionStatus.paid if i == 5 else DecisionStatus.cancelled if i == 6 else None,
        )
    files = _publish(db, LocalBlobStore(tmp_path))
    rows = list(csv.DictReader(io.StringIO(files["violations.csv"].decode())))
    assert rows == [
        {
            "period": MARCH,
            "province_code": "51",
            "violation_code": "RED_LIGHT",
            "vehicle_class": "car",
            "hour_band": "12-18",
            "violations": "10",
            "notices": "8",
            "decisions": "1",
            "paid": "4",
        }
    ]
    document = json.loads(files["violations.json"])
    assert (document["licence"], document["k"], document["rows"][0]["paid"]) == (LICENCE, 10, 4)
    schema = json.loads(files["schema.json"])
    assert [f["name"] for f in schema["fields"]] == document["fields"] == list(rows[0])


def test_no_plate_cccd_name_number_or_time_is_published(db: Session, tmp_path: Path) -> None:
    secrets_seen = []
    for i in range(12):
        at = NOON + timedelta(minutes=7 * i, seconds=13)
        notice = confirmed(
            db,
            at,
            plate=f"51G{98760 + i}",
            cccd=f"0790912345{i:02d}",
            owner_name=f"Trần Thị Bích {i}",
            notice=NoticeStatus.delivered,
            decision=DecisionStatus.issued,
        )
        assert notice is not None
        secrets_seen += [notice.number, notice.owner_cccd, f"51G{98760 + i}", f"Trần Thị Bích {i}"]
        secrets_seen += [at.isoformat(), at.astimezone(VN_TZ).strftime("%H:%M"), str(notice.candidate_id)]
    files = _publish(db, LocalBlobStore(tmp_path), k=2)
    text = b"".join(files.values()).decode()
    assert '"violations": 12' in text  # the data is there…
    leaked = [s for s in secrets_seen if s in text]
    assert leaked == []  # …and nothing that points at a person or an instant


def test_the_same_data_gives_the_same_bytes(db: Session, tmp_path: Path) -> None:
    for i, (code, cls) in enumerate(
        [("SPEEDING", "motorbike"), ("RED_LIGHT", "car"), ("WRONG_LANE", "truck")] * 4
    ):
        confirmed(
            db, NOON + timedelta(hours=3 * (i % 3)), code=code, vehicle_class=cls, plate=f"30A{10000 + i}"
        )
    store = LocalBlobStore(tmp_path)
    first = _publish(db, store, k=4)
    again = publish(db, store, MARCH, k=4, licence=LICENCE, actor="test")
    assert again.changed == []
    assert {f.name: store.get(f.sha256) for f in again.files} == first
    keys = [tuple(r[:5]) for r in csv.reader(io.StringIO(first["violations.csv"].decode()))][1:]
    assert keys == sorted(keys) and len(keys) == 3


def test_a_violation_at_2330_vietnam_on_the_last_day_lands_in_that_month(db: Session, tmp_path: Path) -> None:
    late = datetime(2025, 3, 31, 23, 30, tzinfo=VN_TZ)  # 16:30 UTC on the 31st
    early = datetime(2025, 4, 1, 0, 30, tzinfo=VN_TZ)  # still 31 March in UTC
    for _ in range(2):
        confirmed(db, late.astimezone(UTC), code="SPEEDING")
        confirmed(db, early.astimezone(UTC), code="WRONG_LANE")
    store = LocalBlobStore(tmp_path)
    march = json.loads(_publish(db, store, k=2)["violations.json"])["rows"]
    april = json.loads(
        store.get(publish(db, store, "2025-04", k=2, licence=LICENCE, actor="t").files[1].sha256)
    )
    assert [(r["violation_code"], r["hour_band"], r["violations"]) for r in march] == [
        ("SPEEDING", "18-24", 2)
    ]
    assert [(r["violation_code"], r["hour_band"], r["violations"]) for r in april["rows"]] == [
        ("WRONG_LANE", "00-06", 2)
    ]


def test_bad_months_and_months_not_over_are_refused(db: Session, tmp_path: Path) -> None:
    for bad in ("2025-13", "2025-3", "march", "1999-12", "2025-03-01"):
        with pytest.raises(MonthInvalid, match="YYYY-MM"):
            parse_month(bad)
    this_month = f"{utc_now().astimezone(VN_TZ):%Y-%m}"
    with pytest.raises(MonthNotOver):
        publish(db, LocalBlobStore(tmp_path), this_month, k=10, licence=LICENCE, actor="test")
    assert db.scalar(select(func.count()).select_from(OpenDataFile)) == 0


def test_cli_publishes_to_the_store_and_explains_errors(db: Session, evidence_dir: Path) -> None:
    for i in range(10):
        confirmed(db, NOON + timedelta(minutes=i))
    db.commit()
    runner = CliRunner()
    result = runner.invoke(tvp, ["opendata", "publish", "--month", MARCH])
    assert result.exit_code == 0, result.output
    assert "10 violations → 1 rows" in result.output and f"opendata/{MARCH}/violations.csv" in result.output
    db.expire_all()
    rows = db.scalars(select(OpenDataFile).order_by(OpenDataFile.name)).all()
    assert [r.path for r in rows] == [
        f"opendata/{MARCH}/{n}" for n in ("schema.json", "violations.csv", "violations.json")
    ]
    assert b"RED_LIGHT" in LocalBlobStore(evidence_dir).get(rows[1].sha256)
    bad = runner.invoke(tvp, ["opendata", "publish", "--month", "2025-13"])
    assert bad.exit_code == 2 and "MonthInvalid" in bad.output
    assert "violations.csv" in runner.invoke(tvp, ["opendata", "list"]).output


def test_the_nightly_job_publishes_last_month_once(db: Session, evidence_dir: Path) -> None:
    load_tasks()
    for i in range(10):
        confirmed(db, NOON + timedelta(minutes=i))
    db.commit()
    night = datetime(2025, 4, 1, 20, 0, tzinfo=UTC)  # 03:00 on 2 April in Vietnam
    assert f"{PUBLISH_TASK}@2025-04-01T19:40:00+00:00" in enqueue_due(night)
    job = db.scalars(select(Job).where(Job.name == PUBLISH_TASK)).one()
    assert execute(str(job.id)) == "done"
    db.rollback()  # end the read transaction that saw the job before it ran
    csv_row = db.scalars(select(OpenDataFile).where(OpenDataFile.name == "violations.csv")).one()
    assert (csv_row.month, csv_row.rows, csv_row.published_by) == (MARCH, 1, "system")
    assert LocalBlobStore(evidence_dir).verify(csv_row.sha256)
    publish_opendata(db, at=(night + timedelta(days=1)).isoformat())  # the next night: out already
    published = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "opendata.publish")
    assert db.scalar(published) == 1


def test_ops_list_and_download_others_cannot(client: TestClient, db: Session, evidence_dir: Path) -> None:
    for i in range(10):
        confirmed(db, NOON + timedelta(minutes=i))
    publish(db, LocalBlobStore(evidence_dir), MARCH, k=10, licence=LICENCE, actor="test")
    db.commit()
    ops = staff_headers(Role.ops)
    listed = client.get("/api/ops/opendata", headers=ops)
    assert listed.status_code == 200 and {f["name"] for f in listed.json()} == {
        "schema.json",
        "violations.csv",
        "violations.json",
    }
    got = client.get(f"/api/ops/opendata/{MARCH}/violations.csv", headers=ops)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert got.text.splitlines()[1].startswith(f"{MARCH},51,RED_LIGHT,car,12-18,10,")
    missing = client.get("/api/ops/opendata/2024-01/violations.csv", headers=ops)
    assert (missing.status_code, missing.json()["error"]) == (404, "OpenDataFileNotFound")
    for role in (Role.reviewer, Role.supervisor):
        assert client.get("/api/ops/opendata", headers=staff_headers(role)).status_code == 403
