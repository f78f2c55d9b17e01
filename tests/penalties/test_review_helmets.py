"""Helmet and overload findings through review: the rider's offences reach the owner's notice by the
motorbike provisions; a passenger's own offence is recorded for a person the registry cannot name."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import AuditEntry, Role
from detection.vehicles import VehicleClass
from penalties.candidates.models import CandidateStatus, ViolationCandidate
from penalties.law import person_provision
from penalties.law.assessment import AssessmentError, assess
from penalties.notices.models import Notice, UnnamedOffence
from tests.support.factories import make_candidate, make_citizen, make_vehicle, staff_headers

# (code, fined person, minimum VND, points, article) as printed in ND 168/2024 (Art. 7 rider, 12 passenger)
DECREE_168 = [
    ("NO_HELMET_DRIVER", "motorbike", 400_000, 0, "Art.7(2)(h)"),
    ("NO_HELMET_PASSENGER_CARRIED", "motorbike", 400_000, 0, "Art.7(2)(i)"),
    ("OVERLOAD_2_PASSENGERS", "motorbike", 400_000, 0, "Art.7(2)(g)"),
    ("OVERLOAD_3PLUS_PASSENGERS", "motorbike", 600_000, 2, "Art.7(3)(b)"),
    ("NO_HELMET_PASSENGER", "motorbike_passenger", 400_000, 0, "Art.12(5)(b)"),
]
IN_FORCE = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(("code", "person", "minimum", "points", "article"), DECREE_168)
def test_the_helmet_codes_are_assessed_by_the_decree_in_force(
    code: str, person: str, minimum: int, points: int, article: str
) -> None:
    assessment = assess(code, "motorbike", IN_FORCE)
    assert (assessment.vehicle_class, assessment.amount_vnd, assessment.points) == (person, minimum, points)
    assert article in assessment.legal_reference
    assert (person_provision(code, IN_FORCE) is not None) is (person == "motorbike_passenger")


def test_before_decree_168_no_helmet_fine_is_in_our_tables() -> None:
    with pytest.raises(AssessmentError):  # ND 100/2019 as we hold it has no helmet rows: never a guess
        assess("NO_HELMET_DRIVER", "motorbike", datetime(2024, 6, 1, 3, 0, tzinfo=UTC))


def _confirm(client: TestClient, candidate_id: uuid.UUID) -> dict:
    reviewer = staff_headers(Role.reviewer)
    client.post(f"/api/candidates/{candidate_id}/claim", headers=reviewer)
    response = client.post(f"/api/candidates/{candidate_id}/confirm", json={}, headers=reviewer)
    return {"http": response.status_code, **response.json()}


def test_a_passengers_own_offence_is_recorded_without_a_notice_to_the_owner(
    client: TestClient, db: Session
) -> None:
    owner = make_citizen(db, serial=4343)
    make_vehicle(db, owner, plate="29B112345", display="29-B1 123.45")
    candidate = make_candidate(db, plate="29B112345", code="NO_HELMET_PASSENGER", vehicle_class="motorbike")
    db.commit()
    outcome = _confirm(client, candidate.id)
    assert outcome["http"] == 201 and outcome["queued"] is False and outcome["notice"] is None, outcome
    unnamed = outcome["unnamed"]
    assert (unnamed["person"], unnamed["amount_vnd"]) == ("motorbike_passenger", 400_000)
    assert "Art.12(5)(b)" in unnamed["legal_basis"]
    db.rollback()
    db.expire_all()
    assert db.get_one(ViolationCandidate, candidate.id).status is CandidateStatus.confirmed
    assert db.scalar(select(func.count()).select_from(Notice)) == 0  # the owner is not the offender
    assert db.scalars(select(UnnamedOffence)).one().candidate_id == candidate.id
    assert "candidate.confirm_unnamed" in set(db.scalars(select(AuditEntry.action)))


def test_a_passengers_offence_needs_no_plate(client: TestClient, db: Session) -> None:
    candidate = make_candidate(db, plate=None, code="NO_HELMET_PASSENGER", vehicle_class="motorbike")
    db.commit()
    assert _confirm(client, candidate.id)["unnamed"]["amount_vnd"] == 400_000


def test_the_riders_offence_goes_to_the_owner_by_the_motorbike_provision(
    client: TestClient, db: Session
) -> None:
    owner = make_citizen(db, serial=4344)
    make_vehicle(db, owner, plate="29B112346", display="29-B1 123.46", vehicle_type=VehicleClass.motorbike)
    candidate = make_candidate(
        db, plate="29B112346", code="OVERLOAD_3PLUS_PASSENGERS", vehicle_class="motorbike"
    )
    db.commit()
    outcome = _confirm(client, candidate.id)
    assert outcome["http"] == 201 and outcome["unnamed"] is None, outcome
    notice = outcome["notice"]
    assert (notice["violation_code"], notice["amount_vnd"], notice["points"]) == (
        "OVERLOAD_3PLUS_PASSENGERS",
        600_000,
        2,
    )
    assert notice["owner_cccd"] == owner.cccd
