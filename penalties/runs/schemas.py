from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from penalties.runs.models import RunKind, RunStatus


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: RunKind
    status: RunStatus
    camera_code: str
    camera_version: int
    source: str
    footage_sha256: str | None
    options: dict[str, Any]
    frames_done: int
    candidates_created: int
    attempts: int
    created_at: datetime
    finished_at: datetime | None
    error: str | None
    event_count: int = 0


class RunEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    key: str
    data: dict[str, Any]
    created_at: datetime
