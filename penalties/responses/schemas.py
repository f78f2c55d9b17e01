from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from penalties.notices.models import NoticeStatus
from penalties.responses.models import DisputeStatus, NominationStatus

CCCD = Field(pattern=r"^[0-9]{12}$", examples=["079090012345"])


class NoticeAnswerState(BaseModel):
    """Where a notice stands after a citizen's answer. ``closed_for_owner``: a named driver accepted
    it, so the owner sees it closed (it is the driver's to answer)."""

    id: uuid.UUID
    number: str
    status: NoticeStatus
    amount_vnd: int
    due_date: date
    closed_for_owner: bool
    driver_accepted: bool


class AcknowledgementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    notice_id: uuid.UUID
    document: dict[str, Any]
    signature: str
    key_id: str
    algorithm: str
    signed_at: datetime


class AcknowledgementVerified(BaseModel):
    acknowledgement: AcknowledgementRead
    valid: bool
    problems: list[str]
    public_key: dict[str, str]


class NominationCreate(BaseModel):
    cccd: str = CCCD


class NominationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    notice_id: uuid.UUID
    status: NominationStatus
    answer_by: datetime
    answered_at: datetime | None


class NominationForDriver(NominationRead):
    """A nomination naming me, with what I need to decide."""

    notice_number: str
    violation_code: str
    legal_basis: str
    amount_vnd: int
    points: int
    detected_at: datetime
    plate: str | None
    owner_name: str


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    filename: str
    content_type: str
    size_bytes: int
    sha256: str


class DisputeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    notice_id: uuid.UUID
    text: str
    status: DisputeStatus
    opened_at: datetime
    closed_at: datetime | None
    paused_days: int
    reason: str | None
    amount_before_vnd: int | None
    amount_after_vnd: int | None
    attachments: list[AttachmentRead]


class DisputeQueueItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    notice_id: uuid.UUID
    status: DisputeStatus
    opened_at: datetime
    attachments: int = 0


class DisputeDecision(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    outcome: Literal["upheld", "cancelled", "amended"]
    reason: str = Field(
        min_length=3, max_length=1000, examples=["Ảnh chứng cứ rõ ràng / the evidence is clear"]
    )
    amount_vnd: int | None = Field(None, gt=0, description="The new amount (amended only), integer VND")
