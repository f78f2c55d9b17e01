"""Publishing a month's open data files to the evidence store, and finding them again."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.evidence import BlobStore
from core.time import utc_now
from penalties.opendata.aggregate import Aggregate, count_cells, parse_month, suppress
from penalties.opendata.exceptions import MonthNotOver, OpenDataFileNotFound
from penalties.opendata.models import OpenDataFile
from penalties.opendata.render import render_csv, render_json, render_schema

logger = logging.getLogger(__name__)
CONTENT_TYPES = {
    "violations.csv": "text/csv; charset=utf-8",
    "violations.json": "application/json",
    "schema.json": "application/json",
}


@dataclass
class Published:
    aggregate: Aggregate
    files: list[OpenDataFile]
    changed: list[str]  # names whose bytes differ from what was published before (or new)


def build(session: Session, month: str, *, k: int, now: datetime | None = None) -> Aggregate:
    """The month's suppressed aggregate; refused while the month is not over in Vietnam."""
    _, end = parse_month(month)
    if (now or utc_now()) < end:
        raise MonthNotOver(f"{month} is not over in Vietnam yet: publish it from the 1st of the next month")
    return suppress(month, count_cells(session, month), k)


def publish(session: Session, store: BlobStore, month: str, *, k: int, licence: str, actor: str) -> Published:
    """Write the month's files to the store and point ``opendata/MONTH/NAME`` at them (flushes only)."""
    if k < 2:
        raise ValueError("k must be at least 2")
    aggregate = build(session, month, k=k)
    contents = {
        "violations.csv": render_csv(aggregate),
        "violations.json": render_json(aggregate, licence),
        "schema.json": render_schema(k, licence),
    }
    now = utc_now()
    files, changed = [], []
    for name, data in contents.items():
        key = store.put(data)
        row = session.scalars(
            select(OpenDataFile).where(OpenDataFile.month == month, OpenDataFile.name == name)
        ).one_or_none()
        if row is None:
            row = OpenDataFile(month=month, name=name)
            session.add(row)
        if row.sha256 != key:
            changed.append(name)
            row.sha256, row.size_bytes, row.content_type = key, len(data), CONTENT_TYPES[name]
            row.rows, row.k, row.published_at, row.published_by = len(aggregate.rows), k, now, actor
        files.append(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="opendata.publish",
        object_type="opendata",
        object_id=month,
        detail={"k": k, "rows": len(aggregate.rows), "changed": changed},
    )
    logger.info("open data %s: %d rows, changed %s", month, len(aggregate.rows), changed or "nothing")
    return Published(aggregate, files, changed)


def is_published(session: Session, month: str) -> bool:
    return session.scalar(select(OpenDataFile.id).where(OpenDataFile.month == month).limit(1)) is not None


def list_files(session: Session) -> list[OpenDataFile]:
    return list(session.scalars(select(OpenDataFile).order_by(OpenDataFile.month.desc(), OpenDataFile.name)))


def get_file(session: Session, month: str, name: str) -> OpenDataFile:
    row = session.scalars(
        select(OpenDataFile).where(OpenDataFile.month == month, OpenDataFile.name == name)
    ).one_or_none()
    if row is None:
        raise OpenDataFileNotFound(f"opendata/{month}/{name} has not been published")
    return row
