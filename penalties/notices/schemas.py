from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from penalties.notices.models import NoticeStatus


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
    document_sha256: str | None
    cancel_reason: str | None


class CancelRequest(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    reason: str = Field(min_length=3, max_length=500, examples=["Khiếu nại được chấp nhận / dispute upheld"])
