"""A helmet finding's evidence: each rider's best look and enlarged head, stored with the candidate,
listed in its manifest and chained like the other files (made from a real held-out helmet_dev photo)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.evidence import get_blob_store
from core.time import utc_now
from detection.camera_helmets import HEAD_MIN_PX
from penalties.candidates.evidence import rider_files, verify_candidate
from penalties.candidates.models import EvidenceItem, EvidenceKind, ViolationCandidate
from penalties.candidates.record import record_event
from tests.support.helmet_candidates import demo_camera, helmet_candidate, helmet_event, labelled_riders


def test_each_rider_has_its_best_look_and_enlarged_head_in_the_chain(db: Session) -> None:
    candidate = helmet_candidate(db, utc_now(), "NO_HELMET_PASSENGER")
    db.commit()
    store = get_blob_store()
    items = db.scalars(select(EvidenceItem).where(EvidenceItem.candidate_id == candidate.id)).all()
    kinds = sorted(str(i.kind) for i in items)
    assert kinds.count("head_crop") == 2 and kinds.count("rider_frame") == 2
    assert verify_candidate(db, store, candidate) == []
    files = rider_files(db, store, candidate.id)
    assert set(files) == {0, 1} and all(set(f) == {"rider", "head"} for f in files.values())
    seen = labelled_riders()
    for position, names in files.items():
        head = cv2.imdecode(np.frombuffer(store.get(names["head"]), np.uint8), cv2.IMREAD_COLOR)
        x1, y1, x2, y2 = seen.riders.riders[position].head
        assert head is not None
        assert head.shape[0] >= max(HEAD_MIN_PX, 4 * (y2 - y1))  # enlarged ×4, at least 160 px
        look = cv2.imdecode(np.frombuffer(store.get(names["rider"]), np.uint8), cv2.IMREAD_COLOR)
        assert look is not None
        assert look.shape[0] > y2 - y1 and look.shape[1] > x2 - x1  # the motorbike's crop, not the head
    manifest = json.loads(store.get(candidate.provenance["manifest_sha256"]))
    assert [(r["rider"], r["helmet"]) for r in manifest["riders"]] == [(0, "worn"), (1, "missing")]
    assert manifest["violation"]["measured"]["rider"] == 1
    # Altering a head crop's record is caught like any other evidence file.
    head_item = next(i for i in items if i.kind is EvidenceKind.head_crop)
    head_item.sha256 = store.put(b"not the head")
    assert any("differ from the manifest" in p for p in verify_candidate(db, store, candidate))
    db.rollback()


def test_two_bare_headed_passengers_of_one_motorbike_are_two_offences(db: Session) -> None:
    """Each passenger's own fine is theirs: same motorbike, moment and place, two candidates; the
    same passenger seen again is one."""
    camera, config = demo_camera(db)
    first = helmet_event(camera.code, utc_now(), "NO_HELMET_PASSENGER", labelled_riders())
    second = replace(first, finding=replace(first.finding, measured={**first.finding.measured, "rider": 2}))
    store = get_blob_store()
    assert record_event(db, store, camera, first, config, None) is not None
    assert record_event(db, store, camera, second, config, None) is not None
    assert record_event(db, store, camera, second, config, None) is None  # the same event again
    later = replace(second, finding=replace(second.finding, at=second.at + timedelta(milliseconds=400)))
    assert record_event(db, store, camera, later, config, None) is None  # merged into the same passenger's
    riders = db.scalars(
        select(ViolationCandidate.measured).where(ViolationCandidate.violation_code == "NO_HELMET_PASSENGER")
    ).all()
    assert sorted(m["rider"] for m in riders) == [1, 2]
    db.rollback()
