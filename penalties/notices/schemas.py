from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

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
