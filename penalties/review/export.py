"""The review queue as CSV: one line per candidate, the violation in the words of the law of its date
(penalties.law.words.describe) next to its code, read in chunks so that any length streams."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core.time import format_local
from penalties.candidates.models import ViolationCandidate
from penalties.law.words import describe
from penalties.review.workday import age_band, age_days

CHUNK = 500
HEADER = (
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
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """Text a spreadsheet will not run as a formula (a camera name is typed by people)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_row(c: ViolationCandidate) -> list[str]:
    w = describe(c.violation_code, c.vehicle_class, c.detected_at)
    days = age_days(c.detected_at)
    values: list[object] = [
        c.id,
        format_local(c.detected_at, "%Y-%m-%d %H:%M:%S"),
        days,
        age_band(days).value,
        c.camera.code,
        c.violation_code,
        w.name_vi if w.known else "",
        w.name_en if w.known else "",
        w.law,
        w.article,
        w.fine_min_vnd,
        w.fine_max_vnd,
        w.fine_range() if w.known else "",
        w.points,
        w.unknown,
        c.vehicle_class,
        c.plate,
        "" if c.plate_confidence is None else f"{c.plate_confidence:.2f}",
        c.status.value,
        c.claimed_by,
    ]
    return [_cell(v) for v in values]


def _line(cells: Sequence[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    return buffer.getvalue()


def csv_lines(session: Session, ids: Sequence[uuid.UUID]) -> Iterator[str]:
    """The header, then the candidates ``ids`` in that order (one that has gone since is skipped)."""
    yield "\ufeff" + _line(HEADER)  # the byte-order mark makes spreadsheets read UTF-8 (Vietnamese)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        query = select(ViolationCandidate).options(joinedload(ViolationCandidate.camera))
        found = {c.id: c for c in session.scalars(query.where(ViolationCandidate.id.in_(chunk)))}
        for cid in chunk:
            if cid in found:
                yield _line(csv_row(found[cid]))
        session.expunge_all()
