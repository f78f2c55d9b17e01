"""Each camera's evidence chain: every candidate's manifest hash, chained to the one before.

A link's hash is an HMAC-SHA256 under the audit key (``TVP_AUDIT_KEY``, never in the database), so
links cannot be recomputed after removing or re-ordering evidence. Each chain has a head row that appends
continue from, so removing the newest links leaves the head pointing past the last one (``verify_head``).
The chain heads are also exported into the signed anchors (core/anchors.py looks up ``chain_heads``
here), which catches a cut tail even when the head row was rewritten to match.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.anchors import AnchorLog, Head
from core.audit import seal
from penalties.models import Camera, EvidenceHead, EvidenceLink

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
    head = session.get(EvidenceHead, camera.id)
    if head is None:  # the camera's first link
        head = EvidenceHead(camera_id=camera.id, seq=0, link_hash=GENESIS)
        session.add(head)
    seq, prev = head.seq + 1, head.link_hash
    link = EvidenceLink(
        camera_id=camera.id,
        seq=seq,
        candidate_id=candidate_id,
        manifest_sha256=manifest_sha256,
        prev_hash=prev,
        link_hash=link_hash(camera.id, prev, seq, manifest_sha256, candidate_id),
    )
    session.add(link)
    head.seq, head.link_hash = seq, link.link_hash
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


def verify_head(session: Session, camera: Camera) -> list[str]:
    """The head row against the chain's last link: links removed from the end leave the head ahead."""
    last = session.scalars(
        select(EvidenceLink)
        .where(EvidenceLink.camera_id == camera.id)
        .order_by(EvidenceLink.seq.desc())
        .limit(1)
    ).first()
    last_seq, last_hash = (0, GENESIS) if last is None else (last.seq, last.link_hash)
    head = session.get(EvidenceHead, camera.id)
    if head is None:
        return [f"camera {camera.code}: chain head row is missing"] if last is not None else []
    if head.seq != last_seq or head.link_hash != last_hash:
        return [f"camera {camera.code}: chain head says {head.seq} entries, found {last_seq}: tail truncated"]
    return []


def chain_heads(session: Session) -> dict[str, Head]:
    """Every camera chain's head row (an anchor taken after a cut still records what was cut)."""
    rows = session.execute(
        select(Camera.code, EvidenceHead.seq, EvidenceHead.link_hash).join(
            Camera, Camera.id == EvidenceHead.camera_id
        )
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
