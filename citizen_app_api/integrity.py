"""The citizen's integrity check of a notice's evidence: the checks of `tvp evidence verify` for this one
package (penalties.candidates.evidence.verify_candidate) and its link in the camera's chain, reported
check by check in Vietnamese and English. Hashes are shown; file bytes and staff-only details are not."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_app_api.schemas import FileCheck, IntegrityCheck, IntegrityReport, Text
from citizen_app_api.views import chain_link, manifest_item
from core.evidence import BlobStore, EvidenceError
from core.time import utc_now
from penalties.candidates.chains import GENESIS, link_hash
from penalties.candidates.evidence import verify_candidate
from penalties.candidates.models import EvidenceItem, EvidenceKind, EvidenceLink, PrivacyCopy
from penalties.candidates.privacy import copies_of
from penalties.notices.models import Notice

LABELS: dict[str, Text] = {
    "manifest": Text(
        vi="Bảng kê chứng cứ còn nguyên (khớp mã băm SHA-256)",
        en="The evidence manifest is intact (matches its SHA-256)",
    ),
    "manifest_owner": Text(
        vi="Bảng kê thuộc đúng vụ vi phạm này", en="The manifest belongs to this violation"
    ),
    "files_listed": Text(
        vi="Các tệp chứng cứ đúng như bảng kê", en="The evidence files are the ones the manifest lists"
    ),
    "files_intact": Text(
        vi="Mọi tệp chứng cứ còn nguyên (khớp mã băm)", en="Every evidence file is intact (matches its hash)"
    ),
    "chain_link": Text(
        vi="Bảng kê nằm trong chuỗi chứng cứ của camera, mắt xích hợp lệ",
        en="The manifest is in the camera's evidence chain and its link is valid",
    ),
    "chain_neighbours": Text(
        vi="Mắt xích nối liền với mắt xích trước và sau", en="The link joins the links before and after it"
    ),
    "privacy_copies": Text(
        vi="Các bản làm mờ cho công dân khớp bảng kê của chúng và được tạo từ đúng bộ chứng cứ này",
        en="The blurred copies shown to you match their manifest, made from this evidence package",
    ),
    "full_check": Text(
        vi="Kiểm tra đầy đủ như công cụ `tvp evidence verify`",
        en="The full check of `tvp evidence verify`",
    ),
}
INTACT = Text(vi="Chứng cứ toàn vẹn", en="Evidence intact")
BROKEN = Text(
    vi="Chứng cứ KHÔNG toàn vẹn: hãy liên hệ cơ quan xử lý và không nộp phạt trước khi được giải đáp",
    en="Evidence NOT intact: contact the issuing authority before you pay",
)


def _manifest(store: BlobStore, item: EvidenceItem | PrivacyCopy | None) -> dict[str, Any] | None:
    if item is None:
        return None
    try:
        data = json.loads(store.get(item.sha256))
    except (EvidenceError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _file_checks(store: BlobStore, manifest: dict[str, Any] | None) -> list[FileCheck]:
    if manifest is None:
        return []
    entries = list(manifest.get("files", [])) + list(manifest.get("derived", []))
    return [
        FileCheck(name=str(e["name"]), sha256=str(e["sha256"]), ok=store.verify(str(e["sha256"])))
        for e in entries
    ]


def _link_checks(session: Session, notice: Notice, manifest_sha: str | None) -> tuple[bool, bool]:
    link = session.scalars(
        select(EvidenceLink).where(EvidenceLink.candidate_id == notice.candidate_id)
    ).first()
    if link is None or manifest_sha is None:
        return False, False
    valid = link.manifest_sha256 == manifest_sha and link.link_hash == link_hash(
        link.camera_id, link.prev_hash, link.seq, link.manifest_sha256, link.candidate_id
    )
    before = session.scalars(
        select(EvidenceLink).where(EvidenceLink.camera_id == link.camera_id, EvidenceLink.seq == link.seq - 1)
    ).first()
    after = session.scalars(
        select(EvidenceLink).where(EvidenceLink.camera_id == link.camera_id, EvidenceLink.seq == link.seq + 1)
    ).first()
    joined_before = link.prev_hash == (GENESIS if link.seq == 1 else before.link_hash if before else None)
    joined_after = after is None or after.prev_hash == link.link_hash
    return valid, joined_before and joined_after


def _privacy_copies_ok(
    session: Session, store: BlobStore, candidate_id: Any, manifest_sha: str | None
) -> bool | None:
    """The blurred copies against their privacy manifest (None: none made yet)."""
    rows = copies_of(session, candidate_id)
    if not rows:
        return None
    listing = next((r for r in rows if r.kind is EvidenceKind.manifest), None)
    copies = [r for r in rows if r.kind is not EvidenceKind.manifest]
    doc = _manifest(store, listing)
    if doc is None:
        return False
    listed = {str(e.get("sha256")) for e in doc.get("files", [])}
    return (
        doc.get("evidence_manifest_sha256") == manifest_sha
        and listed == {r.sha256 for r in copies}
        and all(store.verify(r.sha256) for r in copies)
    )


def verify_notice_evidence(session: Session, store: BlobStore, notice: Notice) -> IntegrityReport:
    """Check a notice's evidence package and chain link (the caller has checked the citizen may see it)."""
    candidate = notice.candidate
    items = list(session.scalars(select(EvidenceItem).where(EvidenceItem.candidate_id == candidate.id)))
    item = manifest_item(items)
    manifest = _manifest(store, item)
    files = _file_checks(store, manifest)
    listed = {
        f.sha256 for f in files if manifest and f.name in {e["name"] for e in manifest.get("files", [])}
    }
    recorded = {i.sha256 for i in items if i.kind is not EvidenceKind.manifest}
    link_ok, neighbours_ok = _link_checks(session, notice, item.sha256 if item else None)
    results = {
        "manifest": manifest is not None,
        "manifest_owner": manifest is not None
        and manifest.get("candidate_id") == str(candidate.id)
        and manifest.get("dedup_key") == candidate.dedup_key,
        "files_listed": manifest is not None and listed == recorded,
        "files_intact": bool(files) and all(f.ok for f in files),
        "chain_link": link_ok,
        "chain_neighbours": neighbours_ok,
        "full_check": not verify_candidate(session, store, candidate),
    }
    privacy = _privacy_copies_ok(session, store, candidate.id, item.sha256 if item else None)
    if privacy is not None:
        results["privacy_copies"] = privacy
    ok = all(results.values())
    return IntegrityReport(
        notice_id=notice.id,
        ok=ok,
        verdict=INTACT if ok else BROKEN,
        checked_at=utc_now(),
        manifest_sha256=item.sha256 if item else None,
        chain=chain_link(session, notice),
        files=files,
        checks=[IntegrityCheck(key=k, ok=v, label=LABELS[k]) for k, v in results.items()],
    )
