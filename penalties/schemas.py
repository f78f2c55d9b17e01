from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ocr.plate_format import PROVINCE
from penalties.models import CandidateStatus, NoticeStatus, RejectReason


class CameraCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    code: str = Field(min_length=3, max_length=40, pattern=r"^[A-Z0-9][A-Z0-9-]+$", examples=["HCM-Q1-001"])
    name: str = Field(min_length=3, max_length=200)
    road: str = Field(min_length=2, max_length=200)
    province_code: str = Field(examples=["51"], description="Plate province code of the camera's area")
    latitude: float = Field(ge=8.0, le=23.5, description="Within Vietnam")
    longitude: float = Field(ge=102.0, le=110.0, description="Within Vietnam")
    speed_limit_kmh: int = Field(gt=0, le=150)

    @field_validator("province_code")
    @classmethod
    def _province(cls, value: str) -> str:
        import re

        if not re.fullmatch(PROVINCE, value):
            raise ValueError(f"{value!r} is not a province code")
        return value


class CameraRead(CameraCreate):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    active: bool


class CandidateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    camera_id: uuid.UUID
    detected_at: datetime
    violation_code: str
    plate: str | None
    plate_confidence: float | None
    measured: dict[str, Any]
    status: CandidateStatus


class ReviewCandidateRead(CandidateRead):
    vehicle_class: str | None
    provenance: dict[str, Any]
    claimed_by: str | None
    claim_expires_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    reject_reason: RejectReason | None
    review_note: str | None
    escalated_by: str | None
    escalated_at: datetime | None
    escalation_note: str | None
    original_plate: str | None
    plate_corrected_by: str | None
    flags: list[dict[str, Any]]


class ConfirmRequest(BaseModel):
    amount_vnd: int | None = Field(
        None,
        gt=0,
        le=1_000_000_000,  # far above any fine in the decrees; keeps the number inside BIGINT
        description="Only with aggravating circumstances; default: the legal minimum",
    )
    aggravating: list[str] = Field(default_factory=list, max_length=10)
    mitigating: list[str] = Field(default_factory=list, max_length=10)
    note: str | None = Field(None, max_length=2000)
    acknowledge_flags: bool = Field(False, description="The reviewer has read the vehicle's warnings")


class RejectRequest(BaseModel):
    reason: RejectReason
    note: str | None = Field(None, max_length=2000)


class EscalateRequest(BaseModel):
    note: str = Field(min_length=3, max_length=2000, description="What the supervisor should decide")


class PlateCorrection(BaseModel):
    plate: str = Field(min_length=6, max_length=20, examples=["51G-123.45"])

    @field_validator("plate")
    @classmethod
    def _valid(cls, value: str) -> str:
        from ocr.plate_format import InvalidPlate, parse_plate

        try:
            return parse_plate(value).display
        except InvalidPlate as exc:
            raise ValueError(str(exc)) from exc


class NoticeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    candidate_id: uuid.UUID
    owner_cccd: str
    violation_code: str
    legal_basis: str
    amount_vnd: int
    points: int
    status: NoticeStatus
    issued_at: datetime
    due_date: date


class ConfirmOutcome(BaseModel):
    candidate: ReviewCandidateRead
    notice: NoticeRead | None = Field(description="None while the owner lookup waits for the registry")
    queued: bool
