"""The citizen API's read side: my notices (status as I see it, amount due today with the late charge,
deadlines), one notice in detail, its document and the integrity check of its evidence."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AuditEntry
from core.time import to_local, vn_today
from penalties.candidates.models import EvidenceItem, EvidenceKind, EvidenceLink
from penalties.notices.models import Notice, NoticeStatus
from tests.support.citizen_notices import citizen_with_notice, issued_notice
from tests.support.factories import citizen_token, make_citizen, make_vehicle

API = "/api/citizen/v1"


def bearer(client: TestClient, cccd: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {citizen_token(client, cccd)}"}


@pytest.fixture
def owner_and_notice(db: Session, evidence_dir: Path) -> tuple[str, Notice]:
    owner, notice = citizen_with_notice(db, serial=1101, plate="51G12345", display="51G-123.45")
    db.commit()
    return owner.cccd, notice


def test_my_notices_show_the_amount_due_today_and_every_deadline(
    client: TestClient, db: Session, owner_and_notice: tuple[str, Notice]
) -> None:
    cccd, notice = owner_and_notice
    today = vn_today()
    late_days = 7
    notice.due_date = today - timedelta(days=late_days)
    notice.status = NoticeStatus.overdue
    db.commit()
    body = client.get(f"{API}/notices", headers=bearer(client, cccd)).json()
    assert (body["total"], body["page"], len(body["items"])) == (1, 1, 1)
    (item,) = body["items"]
    late = 18_000_000 * 5 * late_days // 10_000  # 0.05 % a day, whole VND
    assert (item["amount_vnd"], item["late_charge_vnd"], item["amount_due_today_vnd"]) == (
        18_000_000,
        late,
        18_000_000 + late,
    )
    assert item["status"] == "overdue" and item["status_label"]["en"] == "Overdue"
    assert item["status_label"]["vi"] == "Quá hạn nộp phạt"
    deadlines = {d["kind"]: d for d in item["deadlines"]}
    assert deadlines["payment"]["due_on"] == notice.due_date.isoformat()
    assert (deadlines["payment"]["days_left"], deadlines["payment"]["passed"]) == (-late_days, True)
    respond_by = to_local(notice.issued_at).date() + timedelta(days=20)
    assert deadlines["response"]["due_on"] == respond_by.isoformat()
    assert deadlines["response"]["days_left"] == (respond_by - today).days
    assert item["violation"]["vi"] and item["violation"]["en"] != item["violation"]["vi"]
    assert item["plate"] == "51G-123.45" and item["my_role"] == "owner"
    assert "owner_cccd" not in item


def test_paging_and_the_status_filter(client: TestClient, db: Session, evidence_dir: Path) -> None:
    owner = make_citizen(db, serial=1102)
    make_vehicle(db, owner, plate="51G22222", display="51G-222.22")
    paid = issued_notice(db, owner, "51G22222", status=NoticeStatus.paid, index=1)
    for i in (2, 3):
        issued_notice(db, owner, "51G22222", index=i)
    issued_notice(db, owner, "51G22222", status=NoticeStatus.issued, index=4)  # not published yet
    db.commit()
    headers = bearer(client, owner.cccd)
    first = client.get(f"{API}/notices?size=2", headers=headers).json()
    second = client.get(f"{API}/notices?size=2&page=2", headers=headers).json()
    assert (first["total"], len(first["items"]), len(second["items"])) == (3, 2, 1)
    assert second["total"] == 3
    assert len({n["id"] for n in first["items"] + second["items"]}) == 3
    past = client.get(f"{API}/notices?size=2&page=3", headers=headers).json()  # no row carries the count
    assert (past["total"], past["items"], past["page"]) == (3, [], 3)
    paid_past = client.get(f"{API}/notices?status=paid&page=2&size=1", headers=headers).json()
    assert (paid_past["total"], paid_past["items"]) == (1, [])
    only_paid = client.get(f"{API}/notices?status=paid", headers=headers).json()
    assert [n["id"] for n in only_paid["items"]] == [str(paid.id)]
    assert only_paid["items"][0]["amount_due_today_vnd"] == 0
    assert only_paid["items"][0]["deadlines"] == []
    assert client.get(f"{API}/notices?status=issued", headers=headers).status_code == 422


def test_an_accepted_driver_has_it_and_the_owner_sees_it_transferred(
    client: TestClient, db: Session, owner_and_notice: tuple[str, Notice]
) -> None:
    owner_cccd, notice = owner_and_notice
    driver = make_citizen(db, serial=1103, name="Trần Thị Bình")
    notice.driver_cccd = driver.cccd
    db.commit()
    owner_view = client.get(f"{API}/notices", headers=bearer(client, owner_cccd)).json()["items"][0]
    assert (owner_view["status"], owner_view["amount_due_today_vnd"]) == ("transferred", 0)
    assert owner_view["status_label"]["en"].startswith("Transferred")
    transferred = client.get(f"{API}/notices?status=transferred", headers=bearer(client, owner_cccd)).json()
    assert transferred["total"] == 1
    delivered = client.get(f"{API}/notices?status=delivered", headers=bearer(client, owner_cccd)).json()
    assert delivered["total"] == 0
    driver_headers = bearer(client, driver.cccd)
    driver_view = client.get(f"{API}/notices/{notice.id}", headers=driver_headers).json()
    assert (driver_view["status"], driver_view["my_role"]) == ("delivered", "driver")
    assert driver_view["amount_due_today_vnd"] == 18_000_000
    # The document was addressed to the owner (their name and address): not the driver's to read.
    pdf = client.get(f"{API}/notices/{notice.id}/document.pdf", headers=driver_headers)
    assert pdf.status_code == 404 and pdf.json()["error"] == "DocumentAddressedToOwner"
    owner_pdf = client.get(f"{API}/notices/{notice.id}/document.pdf", headers=bearer(client, owner_cccd))
    assert owner_pdf.status_code == 200 and owner_pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(owner_pdf.content).hexdigest() == notice.document_sha256


def test_notice_detail_has_the_legal_basis_evidence_manifest_and_chain_link(
    client: TestClient, db: Session, owner_and_notice: tuple[str, Notice]
) -> None:
    cccd, notice = owner_and_notice
    got = client.get(f"{API}/notices/{notice.id}", headers=bearer(client, cccd)).json()
    candidate = notice.candidate
    assert got["legal_basis"] == notice.legal_basis and got["law"] == "ND 168/2024/NĐ-CP"
    assert got["measured"] == {"time_into_red_s": 1.6, "stop_line": "stop-line"}
    assert got["camera"]["code"] == "HCM-Q1-001"
    assert got["detected_at_local"] == to_local(candidate.detected_at).strftime("%d/%m/%Y %H:%M")
    manifest = db.scalars(
        select(EvidenceItem).where(
            EvidenceItem.candidate_id == candidate.id, EvidenceItem.kind == EvidenceKind.manifest
        )
    ).one()
    link = db.scalars(select(EvidenceLink).where(EvidenceLink.candidate_id == candidate.id)).one()
    assert got["manifest_sha256"] == manifest.sha256
    assert got["chain"] == {
        "camera": "HCM-Q1-001",
        "seq": link.seq,
        "manifest_sha256": manifest.sha256,
        "prev_hash": link.prev_hash,
        "link_hash": link.link_hash,
    }
    base = f"{API}/notices/{notice.id}"
    assert got["evidence_url"] == f"{base}/evidence"  # the blurred copies (citizen_app_api/evidence.py)
    assert (got["document_url"], got["verify_url"]) == (f"{base}/document.pdf", f"{base}/verify")
    purposes = [
        e.detail["purpose"] for e in db.scalars(select(AuditEntry).where(AuditEntry.action == "notice.read"))
    ]
    assert purposes == ["citizen app: notice detail"]


def test_verify_reports_intact_evidence_check_by_check(
    client: TestClient, db: Session, owner_and_notice: tuple[str, Notice]
) -> None:
    cccd, notice = owner_and_notice
    report = client.get(f"{API}/notices/{notice.id}/verify", headers=bearer(client, cccd)).json()
    assert report["ok"] is True and report["verdict"]["vi"] == "Chứng cứ toàn vẹn"
    assert report["verdict"]["en"] == "Evidence intact"
    keys = [c["key"] for c in report["checks"]]
    assert keys == [
        "manifest",
        "manifest_owner",
        "files_listed",
        "files_intact",
        "chain_link",
        "chain_neighbours",
        "full_check",
    ]
    assert all(c["ok"] and c["label"]["vi"] and c["label"]["en"] for c in report["checks"])
    assert {"frame-at.png", "overlay-at.jpg", "plate.png"} <= {f["name"] for f in report["files"]}
    assert all(len(f["sha256"]) == 64 and f["ok"] for f in report["files"])


def test_verify_finds_an_altered_file(
    client: TestClient, db: Session, owner_and_notice: tuple[str, Notice], evidence_dir: Path
) -> None:
    cccd, notice = owner_and_notice
    item = next(i for i in notice.candidate.evidence if i.kind is EvidenceKind.frame)
    (stored,) = [p for p in evidence_dir.rglob(f"*{item.sha256}*") if p.is_file()]
    stored.chmod(0o644)
    stored.write_bytes(stored.read_bytes() + b"\x00")
    report = client.get(f"{API}/notices/{notice.id}/verify", headers=bearer(client, cccd)).json()
    failed = {c["key"] for c in report["checks"] if not c["ok"]}
    assert report["ok"] is False and failed == {"files_intact", "full_check"}
    assert report["verdict"]["en"].startswith("Evidence NOT intact")
    assert [f["name"] for f in report["files"] if not f["ok"]] == [
        next(f["name"] for f in report["files"] if f["sha256"] == item.sha256)
    ]


def test_verify_finds_an_altered_chain_link(
    client: TestClient, db: Session, owner_and_notice: tuple[str, Notice]
) -> None:
    cccd, notice = owner_and_notice
    link = db.scalars(select(EvidenceLink).where(EvidenceLink.candidate_id == notice.candidate_id)).one()
    link.link_hash = "f" * 64
    db.commit()
    report = client.get(f"{API}/notices/{notice.id}/verify", headers=bearer(client, cccd)).json()
    failed = {c["key"] for c in report["checks"] if not c["ok"]}
    assert report["ok"] is False and "chain_link" in failed


def test_another_citizens_notice_is_not_found_like_a_missing_one(
    client: TestClient, db: Session, owner_and_notice: tuple[str, Notice]
) -> None:
    _, notice = owner_and_notice
    stranger = make_citizen(db, serial=1104)
    db.commit()
    headers = bearer(client, stranger.cccd)
    theirs = client.get(f"{API}/notices/{notice.id}", headers=headers)
    missing = client.get(f"{API}/notices/{uuid.uuid4()}", headers=headers)
    assert theirs.status_code == missing.status_code == 404
    assert (
        theirs.json()
        == missing.json()
        == {
            "error": "NoticeNotFound",
            "detail": "Không tìm thấy thông báo vi phạm / No such notice",
        }
    )
    assert client.get(f"{API}/notices", headers=headers).json()["total"] == 0


def test_an_issued_notice_is_not_published_yet(
    client: TestClient, db: Session, owner_and_notice: tuple[str, Notice]
) -> None:
    cccd, notice = owner_and_notice
    notice.status = NoticeStatus.issued
    db.commit()
    assert client.get(f"{API}/notices/{notice.id}", headers=bearer(client, cccd)).status_code == 404


def test_an_organisations_representative_gets_its_vehicles_notices(
    client: TestClient, db: Session, evidence_dir: Path
) -> None:
    from registry.models import OwnerKind

    representative = make_citizen(db, serial=1105, name="Ngô Thị Lan")
    vehicle = make_vehicle(db, representative, plate="51G33333", display="51G-333.33")
    vehicle.owner_kind = OwnerKind.organisation
    vehicle.organisation_name, vehicle.organisation_tax_code = "Công ty TNHH Vận tải Sài Gòn", "0301234567"
    notice = issued_notice(db, representative, "51G33333")
    db.commit()
    headers = bearer(client, representative.cccd)
    assert [n["id"] for n in client.get(f"{API}/notices", headers=headers).json()["items"]] == [
        str(notice.id)
    ]
    got = client.get(f"{API}/notices/{notice.id}", headers=headers).json()
    assert (got["my_role"], got["plate"]) == ("owner", "51G-333.33")


def test_verify_checks_the_blurred_copies_against_their_manifest(
    client: TestClient, db: Session, owner_and_notice: tuple[str, Notice], evidence_dir: Path
) -> None:
    from core.evidence import get_blob_store
    from penalties.candidates.privacy import citizen_copies

    cccd, notice = owner_and_notice
    copies = citizen_copies(db, get_blob_store(), notice.candidate)
    db.commit()
    assert copies
    report = client.get(f"{API}/notices/{notice.id}/verify", headers=bearer(client, cccd)).json()
    checks = {c["key"]: c["ok"] for c in report["checks"]}
    assert report["ok"] is True and checks["privacy_copies"] is True
    blurred = next(c for c in copies if c.name.endswith(".png"))
    (stored,) = [p for p in evidence_dir.rglob(f"*{blurred.sha256}*") if p.is_file()]
    stored.chmod(0o644)
    stored.write_bytes(stored.read_bytes() + b"\x00")
    report = client.get(f"{API}/notices/{notice.id}/verify", headers=bearer(client, cccd)).json()
    assert [c["key"] for c in report["checks"] if not c["ok"]] == ["privacy_copies"]


def test_list_and_detail_audit_the_read_last_once_the_answer_is_built(
    client: TestClient, db: Session, owner_and_notice: tuple[str, Notice]
) -> None:
    """The read is audited after every query of the answer (in the audit writer's batch, after the
    request's commit), so that no reader waits for the audit chain's head row while building its answer."""
    from sqlalchemy import event

    from core.db import get_engine

    cccd, notice = owner_and_notice
    headers = bearer(client, cccd)
    sent: list[str] = []

    def note(conn: object, cursor: object, statement: str, *_: object) -> None:
        sent.append(" ".join(statement.split()))

    def kinds(statement: str) -> list[str]:
        # On PostgreSQL the entry's insert and the head's new hash go as one statement (a CTE).
        if (
            statement.startswith("WITH appended AS (INSERT INTO audit_log")
            and ") UPDATE audit_head SET" in statement
        ):
            return ["INSERT INTO audit_log", "UPDATE audit_head"]
        return [statement.split(" (")[0].split(" SET")[0]]

    # The list is one statement (its page and total); the detail reads the notice and more.
    for path, queries in ((f"{API}/notices", 1), (f"{API}/notices/{notice.id}", 2)):
        sent.clear()
        event.listen(get_engine(), "before_cursor_execute", note)
        try:
            assert client.get(path, headers=headers).status_code == 200
        finally:
            event.remove(get_engine(), "before_cursor_execute", note)
        tail = [k for s in sent if not s.startswith(("SAVEPOINT", "RELEASE")) for k in kinds(s)]
        first_audit = next(i for i, s in enumerate(tail) if s.startswith("UPDATE audit_head"))
        assert tail[first_audit:] == [
            "UPDATE audit_head",
            "INSERT INTO audit_log",
            "UPDATE audit_head",
        ], (path, tail)
        assert first_audit >= queries  # the answer's own queries ran before it
    entries = db.scalars(select(AuditEntry).where(AuditEntry.actor == f"citizen:{cccd}")).all()
    assert {e.action for e in entries} >= {"citizen.read", "notice.read"}
