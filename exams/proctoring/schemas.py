"""What the proctoring API takes and answers (frames as base64 JSON, like check-in)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from exams.proctoring.models import FlagKind, FlagStatus
from exams.schemas import B64_MAX_CHARS

Outcome = Literal["ok", "no_face", "several_faces", "different_face", "unusable"]


class FrameCreate(BaseModel):
    frame: str = Field(max_length=B64_MAX_CHARS, description="A webcam frame, base64 JPEG/PNG (≤ 2 MiB)")


class ReverificationRead(BaseModel):
    outcome: Outcome
    code: str = Field(description="ok, or the engine's code: face.none, face.several, face.blurred…")
    distance: float | None
    threshold: float | None
    flag_id: uuid.UUID | None = Field(description="The flag raised for a non-ok outcome")


class FlagRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    exam_id: uuid.UUID
    registration_id: uuid.UUID
    cccd: str
    kind: FlagKind
    status: FlagStatus
    code: str
    distance: float | None
    threshold: float | None
    other_registration_id: uuid.UUID | None
    evidence_url: str | None = Field(description="The flagged frame (an audited read); None once purged")
    created_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    resolution_reason: str | None


class FlagPage(BaseModel):
    items: list[FlagRead]
    total: int
    page: int
    size: int


class ResolutionCreate(BaseModel):
    decision: Literal["dismissed", "confirmed"]
    reason: str = Field(min_length=3, max_length=500)
