"""What the training API takes and answers. A check-in or check-out carries the same card data and
live frames as an exam check-in (exams.schemas.CheckinCreate): the chip's DG2 photo is the reference
face, used inside the call and never stored."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from exams.schemas import B64_MAX_CHARS, CCCD_PATTERN, FRAMES_MAX, ChipFiles
from exams.training.models import CountRule, CourseClass, SessionStatus
from penalties.decisions.models import LicenceClass


class EnrolmentCreate(BaseModel):
    cccd: str = Field(pattern=CCCD_PATTERN, description="12-digit CCCD number")
    full_name: str = Field(min_length=1, max_length=200)
    centre: str = Field(min_length=1, max_length=200)
    course: str = Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9._/-]+$")
    licence_class: CourseClass


class PointsBalanceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    licence_class: LicenceClass
    balance: int = Field(description="Licence points (12 when nothing is deducted)")
    restores_on: date | None


class EnrolmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    cccd: str
    full_name: str
    centre: str
    course: str
    licence_class: CourseClass
    enrolled_by: str
    created_at: datetime


class EnrolmentWithPoints(EnrolmentRead):
    points_on: date = Field(description="The Vietnam day the balances are for")
    points: list[PointsBalanceRead]


class SessionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    enrolment_id: uuid.UUID
    status: SessionStatus
    checked_in_at: datetime
    vn_day: date = Field(description="The Vietnam day the session counts on (its check-in's)")
    in_face_distance: float | None
    in_face_threshold: float | None
    checked_out_at: datetime | None
    out_face_distance: float | None = Field(description="The latest check-out attempt's")
    out_reason_code: str | None
    refused_checkouts: int
    flagged: bool = Field(description="A check-out face did not match at least once")
    counted_seconds: int
    count_rule: CountRule | None


class TotalsRead(BaseModel):
    enrolment_id: uuid.UUID
    sessions: int = Field(description="Closed sessions")
    counted_sessions: int
    counted_seconds: int
    counted_hours: float
    open_session_id: uuid.UUID | None
    flagged_sessions: int


class FaceCheck(BaseModel):
    """The card data and live frames of a check-in or check-out, as for an exam check-in
    (exams.schemas.CheckinCreate) without the CCCD: the enrolment gives it."""

    chip: ChipFiles | None = None
    qr_text: str | None = Field(None, max_length=1000, description="The card front's QR payload")
    mrz_text: str | None = Field(None, max_length=200, description="The card back's MRZ, 3 lines")
    mrz_photo: str | None = Field(None, max_length=B64_MAX_CHARS, description="A photo of the card back")
    frames: list[str] = Field(
        default_factory=list, max_length=FRAMES_MAX, description="Live frames, base64 JPEG/PNG"
    )
