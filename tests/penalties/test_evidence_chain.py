"""Each camera's keyed evidence chain and its signed anchors: re-linking after removing evidence needs the
audit key, and a cut-off tail (undetectable from the chain alone) is caught by the anchors."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from core.anchors import Head, load_anchors
from core.cli import app
from core.config import reset_settings
from core.evidence import get_blob_store
from penalties.chains import GENESIS, append_link, chain_heads, link_hash, verify_chain, verify_head
from penalties.models import (
    Camera,
    EvidenceHead,
    EvidenceItem,
    EvidenceKind,
    EvidenceLink,
    ViolationCandidate,
)
from tests.support.anchors import private_anchor_dir
from tests.support.factories import make_candidate

CAMERA = "HCM-Q1-001"


@pytest.fixture
def anchors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("TVP_EVIDENCE_DIR", str(tmp_path / "evidence"))
    with private_anchor_dir(tmp_path, monkeypatch) as folder:
        yield folder
    monkeypatch.delenv("TVP_EVIDENCE_DIR")
    reset_settings()


def tvp(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _camera_with_evidence(db: Session, n: int, code: str = CAMERA) -> Camera:
    """``n`` candidates, each with a stored manifest (no files) chained into the camera's chain."""
    store = get_blob_store()
    for _ in range(n):
        candidate = make_candidate(db, camera_code=code)
        manifest = json.dumps(
            {"candidate_id": str(candidate.id), "dedup_key": candidate.dedup_key, "files": []}
        ).encode()
        sha = store.put(manifest)
        db.add(
            EvidenceItem(
                candidate_id=candidate.id,
                kind=EvidenceKind.manifest,
                sha256=sha,
                content_type="application/json",
                size_bytes=len(manifest),
                captured_at=None,
            )
        )
        camera = db.scalars(select(Camera).where(Camera.code == code)).one()
        append_link(db, camera, candidate.id, sha)
        db.flush()
    db.commit()
    return camera


def _links(db: Session, camera: Camera) -> list[EvidenceLink]:
    query = select(EvidenceLink).where(EvidenceLink.camera_id == camera.id).order_by(EvidenceLink.seq)
    return list(db.scalars(query))


def _remove_candidate(db: Session, link: EvidenceLink) -> None:
    """Remove a candidate with everything that points at it: its link, its evidence records."""
    candidate_id = link.candidate_id
    db.execute(delete(EvidenceLink).where(EvidenceLink.id == link.id))
    db.execute(delete(EvidenceItem).where(EvidenceItem.candidate_id == candidate_id))
    db.execute(delete(ViolationCandidate).where(ViolationCandidate.id == candidate_id))
    db.flush()


def _relink(db: Session, camera: Camera, hasher: Callable[[EvidenceLink], str]) -> None:
    """Rewrite the chain (and its head row, as anyone able to relink would) over the links left."""
    prev, seq = GENESIS, 0
    for seq, link in enumerate(_links(db, camera), start=1):
        link.seq, link.prev_hash = seq, prev
        link.link_hash = hasher(link)
        prev = link.link_hash
        db.flush()
    head = db.get(EvidenceHead, camera.id)
    assert head is not None
    head.seq, head.link_hash = seq, prev
    db.commit()


def test_chain_is_keyed(db: Session, anchors: Path) -> None:
    camera = _camera_with_evidence(db, 2)
    first, second = _links(db, camera)
    assert second.prev_hash == first.link_hash
    plain = hashlib.sha256(f"{GENESIS}:1:{first.manifest_sha256}:{first.candidate_id}".encode()).hexdigest()
    assert first.link_hash != plain
    assert first.link_hash == link_hash(camera.id, GENESIS, 1, first.manifest_sha256, first.candidate_id)
    assert verify_chain(db, camera) == []


def test_relinked_with_plain_sha256_is_detected(db: Session, anchors: Path) -> None:
    camera = _camera_with_evidence(db, 3)
    _remove_candidate(db, _links(db, camera)[1])
    _relink(
        db,
        camera,
        lambda link: hashlib.sha256(
            f"{link.prev_hash}:{link.seq}:{link.manifest_sha256}:{link.candidate_id}".encode()
        ).hexdigest(),
    )
    assert verify_chain(db, camera) == [
        f"camera {CAMERA}: chain entry 1 was altered",
        f"camera {CAMERA}: chain entry 2 was altered",
    ]


def test_relinking_needs_the_audit_key(db: Session, anchors: Path) -> None:
    camera = _camera_with_evidence(db, 3)
    _remove_candidate(db, _links(db, camera)[0])

    def under(key: str | None) -> Callable[[EvidenceLink], str]:
        return lambda link: link_hash(
            camera.id, link.prev_hash, link.seq, link.manifest_sha256, link.candidate_id, key=key
        )

    _relink(db, camera, under("a-guessed-key"))
    assert len(verify_chain(db, camera)) == 2
    _relink(db, camera, under(None))  # with the real key it verifies: the anchors are what catch it
    assert verify_chain(db, camera) == []
    result = tvp("evidence", "verify")
    assert result.exit_code == 0, result.output  # no anchor was taken before the removal


def test_cut_tail_is_caught_by_the_anchor(db: Session, anchors: Path) -> None:
    camera = _camera_with_evidence(db, 3)
    other = _camera_with_evidence(db, 1, code="HN-HK-007")
    assert tvp("audit", "anchor").exit_code == 0
    ok = tvp("evidence", "verify")
    assert ok.exit_code == 0, ok.output
    assert "checked against 1 signed anchors" in ok.output

    _remove_candidate(db, _links(db, camera)[-1])  # the newest evidence, its link and its records
    db.commit()
    assert verify_chain(db, camera) == []  # the chain alone cannot tell
    result = tvp("evidence", "verify")
    assert result.exit_code == 1
    assert (
        f"camera {CAMERA} evidence chain ends at entry 2, but the anchor of" in result.output
        and "recorded entry 3: entries after 2 were removed" in result.output
    )
    assert "HN-HK-007" not in result.output
    assert tvp("evidence", "verify", "--camera", other.code).exit_code == 0


def test_camera_removed_with_its_chain_is_caught(db: Session, anchors: Path) -> None:
    camera = _camera_with_evidence(db, 2)
    assert tvp("audit", "anchor").exit_code == 0
    for link in _links(db, camera):
        _remove_candidate(db, link)
    db.execute(delete(Camera).where(Camera.id == camera.id))
    db.commit()
    result = tvp("evidence", "verify")
    assert result.exit_code == 1
    assert f"camera {CAMERA} evidence chain ends at entry 0" in result.output
    assert tvp("evidence", "verify", "--camera", CAMERA).exit_code == 1


def test_anchor_holds_every_camera_head(db: Session, anchors: Path) -> None:
    first = _camera_with_evidence(db, 2)
    second = _camera_with_evidence(db, 1, code="HN-HK-007")
    assert tvp("audit", "anchor").exit_code == 0
    log = load_anchors()
    heads = log.anchors[0].heads
    assert heads["evidence/" + CAMERA] == Head(2, _links(db, first)[-1].link_hash)
    assert heads["evidence/HN-HK-007"] == Head(1, _links(db, second)[0].link_hash)
    assert chain_heads(db) == {k: v for k, v in heads.items() if k.startswith("evidence/")}


def test_edited_anchor_is_reported(db: Session, anchors: Path) -> None:
    _camera_with_evidence(db, 2)
    assert tvp("audit", "anchor").exit_code == 0
    (path,) = anchors.glob("anchor-*.json")
    data = json.loads(path.read_text())
    data["heads"]["evidence/" + CAMERA]["seq"] = 1
    path.chmod(0o644)
    path.write_text(json.dumps(data))
    result = tvp("evidence", "verify")
    assert result.exit_code == 1
    assert f"anchor {path.name}: signature does not match (forged or edited)" in result.output


def test_cut_tail_is_caught_by_the_head_without_an_anchor(db: Session, anchors: Path) -> None:
    camera = _camera_with_evidence(db, 3)
    assert verify_head(db, camera) == []
    _remove_candidate(db, _links(db, camera)[-1])
    db.commit()
    assert verify_head(db, camera) == [f"camera {CAMERA}: chain head says 3 entries, found 2: tail truncated"]
    result = tvp("evidence", "verify")
    assert result.exit_code == 1
    assert "chain head says 3 entries, found 2: tail truncated" in result.output


def test_next_link_after_a_cut_continues_from_the_head(db: Session, anchors: Path) -> None:
    camera = _camera_with_evidence(db, 3)
    cut = _links(db, camera)[-1]
    cut_hash = cut.link_hash
    _remove_candidate(db, cut)
    _camera_with_evidence(db, 1)  # a new violation after the cut does not paper over it
    newest = _links(db, camera)[-1]
    assert (newest.seq, newest.prev_hash) == (4, cut_hash)
    assert verify_head(db, camera) == []
    assert verify_chain(db, camera) == [
        f"camera {CAMERA}: chain entry 3 is missing",
        f"camera {CAMERA}: chain entry 4 was altered",
    ]


def test_head_row_removed_is_reported(db: Session, anchors: Path) -> None:
    camera = _camera_with_evidence(db, 2)
    db.execute(delete(EvidenceHead).where(EvidenceHead.camera_id == camera.id))
    db.commit()
    assert verify_head(db, camera) == [f"camera {CAMERA}: chain head row is missing"]


def test_anchor_taken_after_a_cut_records_the_head(db: Session, anchors: Path) -> None:
    camera = _camera_with_evidence(db, 3)
    cut = _links(db, camera)[-1]
    cut_hash = cut.link_hash
    _remove_candidate(db, cut)
    db.commit()
    assert tvp("audit", "anchor").exit_code == 0
    assert load_anchors().anchors[0].heads["evidence/" + CAMERA] == Head(3, cut_hash)
    result = tvp("evidence", "verify")
    assert result.exit_code == 1
    assert "recorded entry 3: entries after 2 were removed" in result.output
