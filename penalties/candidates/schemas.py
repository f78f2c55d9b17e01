from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from penalties.candidates.models import CandidateStatus


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
