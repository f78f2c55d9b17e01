"""What the exam API takes and answers. Binary data (chip files, photos, frames) travel as base64 in
JSON: one request = one attempt, easy to sign and log by exam systems; the service decodes it strictly
(a malformed field is a 422 with ``input.base64`` before anything is written)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from core.time import utc_instant
from exams.models import ExamKind, OfficerDecision, Verdict

FILE_MAX_BYTES = 2 * 1024 * 1024  # one decoded chip file, photo or frame
B64_MAX_CHARS = (FILE_MAX_BYTES + 2) // 3 * 4 + 8  # its base64 text (a little slack for line breaks)
FRAMES_MAX = 8
# The largest check-in body: every frame and photo at its limit, plus the framing.
BODY_MAX_BYTES = (FRAMES_MAX + 5) * B64_MAX_CHARS + 64 * 1024

CCCD_PATTERN = r"^[0-9]{12}$"


class ExamCreate(BaseModel):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    kind: ExamKind
    centre: str = Field(min_length=1, max_length=200)
    starts_at: Annotated[datetime, AfterValidator(utc_instant)] = Field(
        description="With its UTC offset, e.g. 2026-12-01T08:00:00+07:00 (stored as UTC)"
    )


class ExamRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    kind: ExamKind
    centre: str
    starts_at: datetime


class CandidateCreate(BaseModel):
    cccd: str = Field(pattern=CCCD_PATTERN, description="12-digit CCCD number")
    full_name: str = Field(min_length=1, max_length=200)


class CandidateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    exam_id: uuid.UUID
    cccd: str
    full_name: str


class ChipFiles(BaseModel):
    """The files a desk NFC reader hands over, each base64."""

    dg1: str = Field(max_length=B64_MAX_CHARS, description="DG1 (the MRZ), base64")
    sod: str = Field(max_length=B64_MAX_CHARS, description="EF.SOD, base64")
    dg2: str | None = Field(None, max_length=B64_MAX_CHARS, description="DG2 (the face photo), base64")
    dg13: str | None = Field(None, max_length=B64_MAX_CHARS, description="DG13 (details), base64")


class CheckinCreate(BaseModel):
    """Card data (the chip's files, or the printed QR text and/or MRZ text/photo) and live camera
    frames (JPEG/PNG, base64): the first facing the camera, then the head turning left and right."""

    cccd: str = Field(pattern=CCCD_PATTERN, description="12-digit CCCD number")
    chip: ChipFiles | None = None
    qr_text: str | None = Field(None, max_length=1000, description="The card front's QR payload")
    mrz_text: str | None = Field(None, max_length=200, description="The card back's MRZ, 3 lines")
    mrz_photo: str | None = Field(None, max_length=B64_MAX_CHARS, description="A photo of the card back")
    frames: list[str] = Field(
        default_factory=list, max_length=FRAMES_MAX, description="Live frames, base64 JPEG/PNG"
    )


class LivenessRead(BaseModel):
    passed: bool
    code: str


class CheckinRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    registration_id: uuid.UUID
    sources: list[str]
    card_cccd: str | None
    trust_level: str = Field(description="none, low, high, person_bound")
    findings: list[dict[str, Any]]
    face_distance: float | None
    face_threshold: float | None
    face_matched: bool | None
    liveness: dict[str, Any] | None
    verdict: Verdict
    reason_code: str = Field(description="The engine's code (chip.dg_hash, face.mismatch…) or officer.*")
    reason: str
    submitted_by: str
    decided_by: str | None
    decided_at: datetime | None
    officer_decision: OfficerDecision | None = Field(
        None, description="The desk officer's decision (only an admission lets the candidate in)"
    )
    officer_reason: str | None = None
    created_at: datetime


class DecisionCreate(BaseModel):
    verdict: Literal["admitted", "refused"]
    reason: str = Field(min_length=3, max_length=500)
