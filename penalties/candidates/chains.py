"""Each camera's evidence chain: every candidate's manifest hash, chained to the one before.

A link's hash is an HMAC-SHA256 under the audit key (``TVP_AUDIT_KEY``, never in the database), so
links cannot be recomputed after removing or re-ordering evidence. The chain heads are also exported
into the signed anchors (core/anchors.py looks up ``chain_heads`` here), which catches a cut tail.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.anchors import AnchorLog, Head
from core.audit import seal
from penalties.cameras.models import Camera
from penalties.candidates.models import EvidenceLink

GENESIS = "0" * 64
PREFIX = "evidence/"  # a camera's chain in the anchors: evidence/<camera code>


def link_hash(
    camera_id: uuid.UUID,
    prev: str,
    seq: int,
    manifest_sha256: str,
    candidate_id: uuid.UUID,
    key: str | None = None,
) -> str:
    message = f"{camera_id}:{prev}:{seq}:{manifest_sha256}:{candidate_id}"
    return seal("tvp/evidence-link", message.encode(), key)


def append_link(
    session: Session, camera: Camera, candidate_id: uuid.UUID, manifest_sha256: str
) -> EvidenceLink:
    # Lock the camera row so two writers for one camera cannot fork its chain (a no-op on SQLite,
    # whose write transactions are already serial).
    session.execute(select(Camera.id).where(Camera.id == camera.id).with_for_update())
    last = session.scalars(
        select(EvidenceLink)
        .where(EvidenceLink.camera_id == camera.id)
        .order_by(EvidenceLink.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (1, GENESIS) if last is None else (last.seq + 1, last.link_hash)
    link = EvidenceLink(
        camera_id=camera.id,
        seq=seq,
        candidate_id=candidate_id,
        manifest_sha256=manifest_sha256,
        prev_hash=prev,
        link_hash=link_hash(camera.id, prev, seq, manifest_sha256, candidate_id),
    )
    session.add(link)
    return link


def verify_chain(session: Session, camera: Camera) -> list[str]:
    problems: list[str] = []
    prev, expected_seq = GENESIS, 1
    links = session.scalars(
        select(EvidenceLink).where(EvidenceLink.camera_id == camera.id).order_by(EvidenceLink.seq)
    ).all()
    for link in links:
        if link.seq != expected_seq:
            problems.append(f"camera {camera.code}: chain entry {expected_seq} is missing")
        if link.prev_hash != prev or link.link_hash != link_hash(
            camera.id, link.prev_hash, link.seq, link.manifest_sha256, link.candidate_id
        ):
            problems.append(f"camera {camera.code}: chain entry {link.seq} was altered")
        prev, expected_seq = link.link_hash, link.seq + 1
    return problems


def chain_heads(session: Session) -> dict[str, Head]:
    """The newest link of every camera's chain (one indexed query)."""
    last = (
        select(EvidenceLink.camera_id, func.max(EvidenceLink.seq).label("seq"))
        .group_by(EvidenceLink.camera_id)
        .subquery()
    )
    rows = session.execute(
        select(Camera.code, EvidenceLink.seq, EvidenceLink.link_hash)
        .join(last, (last.c.camera_id == EvidenceLink.camera_id) & (last.c.seq == EvidenceLink.seq))
        .join(Camera, Camera.id == EvidenceLink.camera_id)
    )
    return {PREFIX + code: Head(seq, h) for code, seq, h in rows}


def verify_anchored(session: Session, anchors: AnchorLog, camera_code: str | None = None) -> list[str]:
    """Every anchored camera chain against its anchors (cameras gone from the database included)."""
    names = sorted(anchors.chains(PREFIX))
    if camera_code is not None:
        names = [n for n in names if n == PREFIX + camera_code]
    problems: list[str] = []
    for name in names:
        code = name.removeprefix(PREFIX)
        camera_id = session.scalar(select(Camera.id).where(Camera.code == code))
        last_seq = session.scalar(
            select(func.coalesce(func.max(EvidenceLink.seq), 0)).where(EvidenceLink.camera_id == camera_id)
        )

        def hashes_at(seqs: list[int], camera_id: uuid.UUID | None = camera_id) -> dict[int, str]:
            rows = session.execute(
                select(EvidenceLink.seq, EvidenceLink.link_hash).where(
                    EvidenceLink.camera_id == camera_id, EvidenceLink.seq.in_(seqs)
                )
            )
            return {row.seq: row.link_hash for row in rows}

        problems += anchors.check(name, f"camera {code} evidence chain", last_seq or 0, hashes_at)
    return problems
