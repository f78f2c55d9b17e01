"""Processing runs: footage or a stream through the pipeline."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Timestamps, UUIDPk, enum_column


class RunKind(StrEnum):
    process = "process"  # footage in, candidates out
    replay = "replay"  # footage in, results compared; no candidates
    live = "live"  # a stream, as a worker


class RunStatus(StrEnum):
    running = "running"
    completed = "completed"
    failed = "failed"
    interrupted = "interrupted"


class ProcessingRun(UUIDPk, Timestamps, Base):
    """One pass of footage (or a stream) through the pipeline: what went in, what came out, and where
    to resume from."""

    __tablename__ = "processing_runs"

    kind: Mapped[RunKind] = enum_column(RunKind)
    status: Mapped[RunStatus] = enum_column(RunStatus, default=RunStatus.running, index=True)
    camera_code: Mapped[str] = mapped_column(String(40), index=True)
    camera_version: Mapped[int] = mapped_column(Integer)
    config_sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(1000))
    footage_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    models: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    frames_done: Mapped[int] = mapped_column(Integer, default=0)
    # Health (the ops page): the capture time of the newest frame saved (every few seconds), and the
    # frames a live camera's bounded queue dropped under overload.
    last_frame_at: Mapped[datetime | None]
    frames_dropped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    candidates_created: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)

    # Read-only: events are added one row each (penalties/runs/events.py record_run_events).
    event_rows: Mapped[list[RunEvent]] = relationship(order_by="RunEvent.seq", viewonly=True)

    @property
    def events(self) -> list[dict[str, Any]]:
        """The run's events in the order found (each as recorded: summary, key, candidate id)."""
        return [row.data for row in self.event_rows]


class RunEvent(UUIDPk, Timestamps, Base):
    """One event of a run, stored once: a resumed run finding it again adds nothing."""

    __tablename__ = "run_events"
    __table_args__ = (
        UniqueConstraint("run_id", "key"),  # the resume lookup: is this key already recorded?
        UniqueConstraint("run_id", "seq"),  # the order found
    )

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("processing_runs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
