from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, computed_field

from penalties.decisions.document import DUE_ON_RECEIPT
from penalties.decisions.models import DecisionStatus, LicenceClass


class DecisionCreate(BaseModel):
    notice_ids: list[uuid.UUID] = Field(
        min_length=1, max_length=50, description="Open notices of one liable person"
    )


class DecisionNoticeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    notice_id: uuid.UUID
    licence_class: LicenceClass | None


class DecisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    number: str
    cccd: str
    amount_vnd: int
    points: dict[str, int] = Field(description="Points deducted per licence class (car, motorbike)")
    legal_basis: str
    status: DecisionStatus
    issued_at: datetime
    issued_by: uuid.UUID
    delivered_at: datetime | None
    due_date: date | None
    document_sha256: str | None
    items: list[DecisionNoticeRead]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def pay_by(self) -> str:
        """The due date once received; until then, the 10 days counted from receipt."""
        return DUE_ON_RECEIPT if self.due_date is None else self.due_date.strftime("%d/%m/%Y")


class LedgerEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    on: date
    kind: str = Field(examples=["deduction", "restoration"])
    change: int
    balance: int
    decision_id: uuid.UUID | None
    decision_number: str | None


class StandingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    licence_class: LicenceClass
    balance: int
    restores_on: date | None = Field(description="Back to 12 points on this day if nothing new is deducted")
    history: list[LedgerEventRead]


class PointsRead(BaseModel):
    on: date
    licences: list[StandingRead]
