"""What the citizen app reads: notices with what is due today and every deadline, a notice's details
with its evidence and chain link, and the integrity check of its evidence. Text shown to the citizen
comes in Vietnamese and English (``Text``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from penalties.decisions.schemas import DecisionRead


class Text(BaseModel):
    vi: str
    en: str


class ViolationWords(Text):
    """The violation as the law of its (Vietnamese) date names it: ``vi``/``en`` are its name (the bare
    code, with ``unknown`` saying why, when that law does not name it)."""

    article: str | None = Field(description="The provision (legal reference) in that law")
    law: str | None = Field(description="The decree in force on the violation date")
    fine_min_vnd: int | None
    fine_max_vnd: int | None
    points: int | None = Field(description="Licence points for the vehicle class")
    unknown: Text | None = Field(description="Why the law of that date does not name the code")


class Deadline(BaseModel):
    kind: Literal["response", "payment"]
    label: Text
    due_on: date = Field(description="The last day (Vietnamese calendar)")
    days_left: int = Field(description="Days from today (Vietnam) to due_on; negative once passed")
    passed: bool


class NoticeSummary(BaseModel):
    id: uuid.UUID
    number: str
    status: str = Field(
        description="The notice's state as this citizen sees it ('transferred' for an "
        "owner whose named driver accepted)"
    )
    status_label: Text
    my_role: Literal["owner", "driver"]
    violation_code: str
    violation: ViolationWords
    plate: str | None
    detected_at: datetime
    detected_at_local: str = Field(description="dd/mm/yyyy HH:MM in Vietnam time")
    issued_at: datetime
    amount_vnd: int = Field(description="The fine as issued")
    late_charge_vnd: int = Field(description="0.05 %/day after the payment due date, as of today")
    amount_due_today_vnd: int = Field(description="What paying today costs; 0 when nothing is owed")
    points: int
    deadlines: list[Deadline]


class DecisionViolation(BaseModel):
    """A violation a decision sanctions, in the words of the law of its date, as the notices show it."""

    notice_id: uuid.UUID
    notice_number: str
    violation_code: str
    violation: ViolationWords
    detected_at_local: str = Field(description="dd/mm/yyyy HH:MM in Vietnam time")
    amount_vnd: int = Field(description="The notice's fine as issued")
    points: int


class MyDecisionRead(DecisionRead):
    violations: list[DecisionViolation] = Field(description="In the decision's order")


class CameraRead(BaseModel):
    code: str
    name: str
    road: str
    latitude: float
    longitude: float
    speed_limit_kmh: int


class ChainLinkRead(BaseModel):
    camera: str
    seq: int
    manifest_sha256: str
    prev_hash: str
    link_hash: str


class NoticeActions(BaseModel):
    """What the signed-in citizen may do with the notice now (the app shows only these)."""

    acknowledge: bool = Field(description="Acknowledge the violation (signed; VNeID level 2)")
    nominate: bool = Field(description="Name the driver (the owner, before a driver is named)")
    dispute: bool = Field(description="Explain or dispute the notice")
    must_nominate: bool = Field(
        description="The vehicle belongs to an organisation: it names the driver, it cannot acknowledge"
    )
    acknowledged: bool = Field(description="A signed acknowledgement exists (GET …/acknowledgement)")
    awaiting_driver: bool = Field(description="A named driver has not answered yet")


class NoticeDetail(NoticeSummary):
    legal_basis: str
    law: str | None
    measured: dict[str, Any]
    camera: CameraRead
    evidence_url: str = Field(
        description="The evidence as the citizen may see it (faces and other plates blurred): a list whose "
        "items each have the URL of their file; GET them with the same bearer token"
    )
    manifest_sha256: str | None
    chain: ChainLinkRead | None
    document_url: str
    verify_url: str
    actions: NoticeActions


class IntegrityCheck(BaseModel):
    key: str
    ok: bool
    label: Text


class FileCheck(BaseModel):
    name: str
    sha256: str
    ok: bool


class IntegrityReport(BaseModel):
    notice_id: uuid.UUID
    ok: bool
    verdict: Text
    checked_at: datetime
    manifest_sha256: str | None
    chain: ChainLinkRead | None
    files: list[FileCheck] = Field(description="Every file in the evidence package (hashes only)")
    checks: list[IntegrityCheck]
