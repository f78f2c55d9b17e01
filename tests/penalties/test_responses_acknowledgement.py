"""An acknowledgement is signed over the notice and evidence, bound to the VNeID session; it verifies
later and fails once anything in it (or the notice it names) is changed."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from core.auth.principal import CITIZEN, Principal
from core.time import utc_now
from penalties.notices.models import Notice, NoticeStatus
from penalties.responses import signing
from penalties.responses.exceptions import AssuranceTooLow, NotLiable, OrganisationMustNominate
from penalties.responses.models import Acknowledgement
from penalties.responses.service import acknowledge, acknowledgement_summary, verify_acknowledgement
from tests.support.responses import MANIFEST_SHA, delivered_notice, people


def citizen(cccd: str, acr: str = "vneid:level2") -> Principal:
    return Principal(CITIZEN, cccd, acr=acr, idp_session="sid-123")


def test_the_signature_verifies_later_and_fails_when_tampered(db: Session) -> None:
    (owner,) = people(db, 101)
    notice = db.get(Notice, delivered_notice(db, owner))
    assert notice is not None
    ack = acknowledge(db, notice, citizen(owner.cccd), now=utc_now())
    db.commit()
    doc = ack.document
    assert (doc["notice_number"], doc["amount_vnd"], doc["points"]) == (notice.number, 18_000_000, 4)
    assert doc["evidence_manifest_sha256"] == MANIFEST_SHA
    assert (doc["cccd"], doc["acr"], doc["vneid_session"]) == (owner.cccd, "vneid:level2", "sid-123")
    assert notice.status is NoticeStatus.acknowledged

    db.expire_all()
    check = verify_acknowledgement(db, notice.id)
    assert check.valid and check.problems == []
    shown = acknowledgement_summary(db, notice.id)
    assert shown is not None and shown["verified"] == "hợp lệ / valid" and "vneid:level2" in shown["method"]

    # The stored document changed (one more point, say): the signature no longer matches.
    ack = check.acknowledgement
    ack.document = {**ack.document, "cccd": "079090000999"}
    db.commit()
    db.expire_all()
    bad = verify_acknowledgement(db, notice.id)
    assert not bad.valid
    assert "the signature does not match the document" in bad.problems
    assert "INVALID" in (acknowledgement_summary(db, notice.id) or {})["verified"]

    # Restored document, but a forged signature byte.
    ack = bad.acknowledgement
    ack.document = doc
    sig = ack.signature
    ack.signature = ("A" if sig[0] != "A" else "B") + sig[1:]
    db.commit()
    assert not verify_acknowledgement(db, notice.id).valid
    ack.signature = sig
    db.commit()
    assert verify_acknowledgement(db, notice.id).valid

    # The notice itself changed after it was acknowledged: the document no longer describes it.
    notice.amount_vnd = 20_000_000
    db.commit()
    changed = verify_acknowledgement(db, notice.id)
    assert not changed.valid and "amount_vnd" in changed.problems[0]


def test_another_key_does_not_verify(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    document = {"notice_number": "TVP-1", "amount_vnd": 1}
    signature, kid = signing.sign(document)
    assert signing.verify(document, signature, kid)
    from core.config import get_settings

    monkeypatch.setattr(get_settings(), "acknowledgement_key", "another-seed-" + "x" * 40)
    assert signing.key_id() != kid
    assert not signing.verify(document, signature, kid)


def test_level_1_the_wrong_citizen_and_organisations_cannot_acknowledge(db: Session) -> None:
    owner, other, company_rep = people(db, 102, 103, 104)
    notice = db.get(Notice, delivered_notice(db, owner))
    company = db.get(Notice, delivered_notice(db, company_rep, plate="51H22222", organisation=True))
    assert notice is not None and company is not None
    with pytest.raises(AssuranceTooLow) as low:
        acknowledge(db, notice, citizen(owner.cccd, acr="vneid:level1"), now=utc_now())
    assert low.value.status_code == 403
    with pytest.raises(NotLiable):
        acknowledge(db, notice, citizen(other.cccd), now=utc_now())
    with pytest.raises(OrganisationMustNominate) as org:
        acknowledge(db, company, citizen(company_rep.cccd), now=utc_now())
    assert org.value.status_code == 409
    db.rollback()
    assert db.query(Acknowledgement).count() == 0
    assert acknowledgement_summary(db, notice.id) is None


def test_the_decision_shows_the_verified_acknowledgement(db: Session) -> None:
    import uuid

    from core.evidence import get_blob_store
    from penalties.decisions.service import issue_decision
    from tests.support.decisions import supervisor_id

    (owner,) = people(db, 104)
    notice = db.get(Notice, delivered_notice(db, owner))
    assert notice is not None
    acknowledge(db, notice, citizen(owner.cccd), now=utc_now())
    db.commit()
    decision = issue_decision(db, [notice.id], issued_by=uuid.UUID(supervisor_id(db)), now=utc_now())
    db.commit()
    assert decision.html_sha256 is not None
    html = get_blob_store().get(decision.html_sha256).decode()
    shown = acknowledgement_summary(db, notice.id)
    assert shown is not None
    assert shown["signature_sha256"] in html and "hợp lệ / valid" in html
