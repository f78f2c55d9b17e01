"""Acknowledging a notice (xác nhận vi phạm): the liable citizen confirms it and the server signs what
they confirmed, bound to their VNeID session and its assurance level. The signature can be checked
later (``verify_acknowledgement``), e.g. when the decision shows it."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.auth.principal import Principal
from core.time import to_local
from penalties.candidates.models import EvidenceItem, EvidenceKind
from penalties.notices.access import liable_cccd
from penalties.notices.models import Notice, NoticeStatus
from penalties.notices.states import check_transition
from penalties.responses import signing
from penalties.responses.exceptions import (
    AcknowledgementNotFound,
    AlreadyAcknowledged,
    AssuranceTooLow,
    NotLiable,
    OrganisationMustNominate,
)
from penalties.responses.models import Acknowledgement

REQUIRED_ACR = frozenset({"vneid:level2"})
DOCUMENT_TYPE = "tvp.notice-acknowledgement/1"
# What the document says about the notice; checked again against the notice when verifying.
NOTICE_FIELDS = ("notice_id", "notice_number", "amount_vnd", "points", "legal_basis", "violation_code")


def is_organisation(notice: Notice) -> bool:
    """The vehicle was registered to an organisation when the notice was issued (its frozen owner)."""
    owner = (notice.owner_snapshot or {}).get("owner") or {}
    return owner.get("kind") == "organisation"


def closed_for_owner(notice: Notice) -> bool:
    """The owner named a driver who accepted: the notice is the driver's now."""
    return notice.driver_cccd is not None and notice.driver_cccd != notice.owner_cccd


def check_liable(notice: Notice, cccd: str) -> None:
    if liable_cccd(notice) != cccd:
        raise NotLiable("the notice is answered by the driver who accepted it, not by you")


def manifest_sha256(session: Session, notice: Notice) -> str | None:
    """The hash of the evidence manifest the notice rests on (None for a candidate without one)."""
    return session.scalar(
        select(EvidenceItem.sha256).where(
            EvidenceItem.candidate_id == notice.candidate_id, EvidenceItem.kind == EvidenceKind.manifest
        )
    )


def _notice_facts(notice: Notice) -> dict[str, Any]:
    return {
        "notice_id": str(notice.id),
        "notice_number": notice.number,
        "amount_vnd": notice.amount_vnd,
        "points": notice.points,
        "legal_basis": notice.legal_basis,
        "violation_code": notice.violation_code,
    }


def acknowledge(session: Session, notice: Notice, principal: Principal, *, now: datetime) -> Acknowledgement:
    """Sign and store the citizen's acknowledgement; the notice becomes acknowledged."""
    check_liable(notice, principal.cccd)
    if notice.driver_cccd is None and is_organisation(notice):
        raise OrganisationMustNominate()
    if principal.acr not in REQUIRED_ACR:
        raise AssuranceTooLow(
            f"signed in at {principal.acr or 'an unknown level'}; sign in with VNeID level 2"
        )
    if notice.status is NoticeStatus.acknowledged:
        raise AlreadyAcknowledged()
    check_transition(notice.status, NoticeStatus.acknowledged)
    document = {
        "type": DOCUMENT_TYPE,
        **_notice_facts(notice),
        "evidence_manifest_sha256": manifest_sha256(session, notice),
        "cccd": principal.cccd,
        "vneid_session": principal.idp_session,
        "acr": principal.acr,
        "signed_at": now.isoformat(),
    }
    signature, kid = signing.sign(document)
    ack = Acknowledgement(
        notice_id=notice.id,
        cccd=principal.cccd,
        document=document,
        signature=signature,
        key_id=kid,
        algorithm=signing.ALGORITHM,
        signed_at=now,
    )
    session.add(ack)
    notice.status = NoticeStatus.acknowledged
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="notice.acknowledge",
        object_type="notice",
        object_id=notice.id,
        detail={"acknowledgement": str(ack.id), "key_id": kid, "acr": principal.acr},
    )
    return ack


@dataclass(frozen=True)
class AcknowledgementCheck:
    acknowledgement: Acknowledgement
    valid: bool
    problems: list[str] = field(default_factory=list)


def verify_acknowledgement(session: Session, notice_id: uuid.UUID) -> AcknowledgementCheck:
    """Whether the stored acknowledgement of the notice is intact: the signature over its document,
    and the document against the notice it names. AcknowledgementNotFound when there is none."""
    ack = session.scalar(select(Acknowledgement).where(Acknowledgement.notice_id == notice_id))
    notice = session.get(Notice, notice_id)
    if ack is None or notice is None:
        raise AcknowledgementNotFound(f"notice {notice_id} has not been acknowledged")
    problems = []
    if ack.algorithm != signing.ALGORITHM or not signing.verify(ack.document, ack.signature, ack.key_id):
        problems.append("the signature does not match the document")
    facts = _notice_facts(notice)
    changed = sorted(k for k in NOTICE_FIELDS if ack.document.get(k) != facts[k])
    if changed:
        problems.append("the notice differs from what was acknowledged: " + ", ".join(changed))
    if ack.document.get("cccd") != ack.cccd:
        problems.append("the document names another citizen")
    return AcknowledgementCheck(ack, not problems, problems)


def acknowledgement_summary(session: Session, notice_id: uuid.UUID) -> dict[str, Any] | None:
    """The acknowledgement as a decision shows it (penalties.decisions' ``acknowledgement`` fields),
    verified now; None when the notice was not acknowledged."""
    try:
        check = verify_acknowledgement(session, notice_id)
    except AcknowledgementNotFound:
        return None
    ack = check.acknowledgement
    return {
        "signed_at": to_local(ack.signed_at).strftime("%d/%m/%Y %H:%M"),
        "cccd": ack.cccd,
        "method": f"{ack.algorithm} (key {ack.key_id}) · VNeID {ack.document.get('acr', '')}",
        "signature_sha256": hashlib.sha256(ack.signature.encode()).hexdigest(),
        "verified": "hợp lệ / valid"
        if check.valid
        else "KHÔNG hợp lệ / INVALID: " + "; ".join(check.problems),
    }
