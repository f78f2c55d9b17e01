"""Signed chain heads kept outside the database ("anchors").

The keyed chains stop anyone without ``TVP_AUDIT_KEY`` from rewriting history, but not from cutting
the newest entries off a chain: what is left still verifies. So the head of every chain — the audit
log's and each camera's evidence chain — is exported, signed, into the anchor folder
(``TVP_AUDIT_ANCHOR_DIR``; WORM storage or another host in production): by ``tvp audit anchor`` and by
an hourly job. Verification then requires every anchored (seq, hash) to still be in its chain, and no
chain to be shorter than its anchors say.

One file per anchor, written once and never changed. Packages contribute their chains' heads through a
``chains`` module with ``chain_heads(session) -> dict[str, Head]`` (see core.plugins.modules_with).
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.config import get_settings
from core.models import AuditEntry
from core.time import format_local, utc_now

VERSION = 1
PURPOSE = "tvp/anchor"
PATTERN = "anchor-*.json"


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


@dataclass(frozen=True)
class Anchor:
    name: str  # file name
    at: datetime
    heads: dict[str, Head]


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def audit_head(session: Session) -> dict[str, Head]:
    row = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return {} if row is None else {audit.CHAIN: Head(row.seq, row.hash)}


def collect_heads(session: Session) -> dict[str, Head]:
    from core.plugins import modules_with

    heads = audit_head(session)
    for module in modules_with("chain_heads", "chains"):
        heads.update(module.chain_heads(session))
    return heads


def write_anchor(session: Session, directory: Path | None = None) -> Path:
    """Export the current head of every chain as one signed file; its path."""
    folder = directory or get_settings().resolved_anchor_dir
    folder.mkdir(parents=True, exist_ok=True)
    at = utc_now()
    heads = collect_heads(session)
    body = {
        "version": VERSION,
        "at": at.isoformat(timespec="microseconds"),
        "heads": {name: {"seq": h.seq, "hash": h.hash} for name, h in sorted(heads.items())},
    }
    signed = {**body, "signature": audit.seal(PURPOSE, _canonical(body))}
    path = folder / f"anchor-{at.strftime('%Y%m%dT%H%M%S.%fZ')}.json"
    # Write aside, then link into place: readers never see half a file, and an existing one is never
    # replaced (os.link fails if the name is taken).
    tmp = folder / f".{path.name}.{secrets.token_hex(4)}"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(signed, fh, sort_keys=True, indent=1, ensure_ascii=False)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    try:
        tmp.chmod(0o444)
        os.link(tmp, path)
    finally:
        tmp.unlink()
    return path


def _parse(path: Path) -> Anchor:
    """The anchor in ``path``; ValueError when it is unreadable or its signature does not match."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        signature = data.pop("signature")
        at = datetime.fromisoformat(data["at"])
        heads = {name: Head(int(h["seq"]), str(h["hash"])) for name, h in data["heads"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"anchor {path.name} is unreadable ({exc})") from exc
    if not isinstance(signature, str) or not hmac.compare_digest(
        signature, audit.seal(PURPOSE, _canonical(data))
    ):
        raise ValueError(f"anchor {path.name}: signature does not match (forged or edited)")
    return Anchor(path.name, at, heads)


@dataclass
class AnchorLog:
    anchors: list[Anchor] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # unreadable or badly signed anchors

    def chains(self, prefix: str = "") -> set[str]:
        return {name for a in self.anchors for name in a.heads if name.startswith(prefix)}

    def check(
        self, chain: str, label: str, last_seq: int, hashes_at: Callable[[list[int]], dict[int, str]]
    ) -> list[str]:
        """Problems of one chain (ending at ``last_seq``) against every anchor of it. ``hashes_at``
        gives the chain's current hash at each of the seqs asked for."""
        anchored: dict[tuple[int, str], Anchor] = {}
        for anchor in self.anchors:
            head = anchor.heads.get(chain)
            if head is not None:
                anchored.setdefault((head.seq, head.hash), anchor)
        if not anchored:
            return []
        problems = []
        longest = max(anchored, key=lambda k: k[0])
        if longest[0] > last_seq:
            problems.append(
                f"{label} ends at entry {last_seq}, but the anchor of {_when(anchored[longest])} "
                f"recorded entry {longest[0]}: entries after {last_seq} were removed"
            )
        wanted = sorted({seq for seq, _ in anchored if seq <= last_seq})
        current: dict[int, str] = {}
        for i in range(0, len(wanted), 500):
            current.update(hashes_at(wanted[i : i + 500]))
        for (seq, hash_), anchor in sorted(anchored.items(), key=lambda kv: kv[0]):
            if seq > last_seq:
                continue
            if seq not in current:
                problems.append(f"{label}: entry {seq}, anchored on {_when(anchor)}, is missing")
            elif current[seq] != hash_:
                problems.append(
                    f"{label}: entry {seq} differs from the anchor of {_when(anchor)} (rewritten since)"
                )
        return problems


def _when(anchor: Anchor) -> str:
    return format_local(anchor.at, "%d/%m/%Y %H:%M:%S") + " ICT"


def load_anchors(directory: Path | None = None) -> AnchorLog:
    folder = directory or get_settings().resolved_anchor_dir
    log = AnchorLog()
    for path in sorted(folder.glob(PATTERN)) if folder.is_dir() else []:
        try:
            log.anchors.append(_parse(path))
        except ValueError as exc:
            log.problems.append(str(exc))
    return log
