from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from penalties.candidates.models import RejectReason
from penalties.candidates.schemas import CandidateRead
from penalties.notices.schemas import NoticeRead


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


class UnnamedOffenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    violation_code: str
    person: str
    law: str
    legal_basis: str
    fine_min_vnd: int
    fine_max_vnd: int
    amount_vnd: int
    recorded_at: datetime


class ConfirmOutcome(BaseModel):
    candidate: ReviewCandidateRead
    notice: NoticeRead | None = Field(
        description="None while the owner lookup waits for the registry, or for an unnamed person's offence"
    )
    queued: bool
    unnamed: UnnamedOffenceRead | None = Field(
        None, description="A passenger's own offence: recorded with its fine, no notice to the owner"
    )


class DropRider(BaseModel):
    rider: int = Field(ge=0, le=20, description="The rider's position on the motorbike (0: the driver)")
    reason: str = Field(min_length=3, max_length=500, description="Why this rider is not in the finding")
