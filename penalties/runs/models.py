"""Processing runs: footage or a stream through the pipeline."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

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
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    events: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    candidates_created: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
