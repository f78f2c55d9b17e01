"""A reviewer drops one rider from a helmet or overload finding (a head the camera took for a rider,
a rider the reviewer judges exempt): audited, with a reason. The finding is recomputed:

- no helmet: dropping the rider the finding is about makes it fall, and the candidate is rejected
  (not a violation); dropping another rider only records it;
- overload: the riders are counted again — three passengers or more, then two (OVERLOAD_2_PASSENGERS),
  then none (the candidate is rejected).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from core import audit
from core.time import utc_now
from penalties.candidates.models import RejectReason, ViolationCandidate
from penalties.review.exceptions import NotARiderFinding, RiderNotInFinding
from penalties.review.service import _held, reject

NO_HELMET = frozenset({"NO_HELMET_DRIVER", "NO_HELMET_PASSENGER_CARRIED", "NO_HELMET_PASSENGER"})
OVERLOAD = frozenset({"OVERLOAD_2_PASSENGERS", "OVERLOAD_3PLUS_PASSENGERS"})
RIDER_CODES = NO_HELMET | OVERLOAD


def dropped(measured: dict[str, Any]) -> set[int]:
    return {int(d["rider"]) for d in measured.get("dropped_riders", [])}


def remaining_riders(measured: dict[str, Any]) -> list[dict[str, Any]]:
    gone = dropped(measured)
    return [r for r in measured.get("riders_seen", []) if int(r["rider"]) not in gone]


def overload_code(passengers: int) -> str | None:
    return (
        "OVERLOAD_3PLUS_PASSENGERS"
        if passengers >= 3
        else "OVERLOAD_2_PASSENGERS"
        if passengers == 2
        else None
    )


def drop_rider(
    session: Session,
    candidate_id: uuid.UUID,
    rider: int,
    reason: str,
    *,
    actor: str,
    supervisor: bool = False,
) -> ViolationCandidate:
    candidate = _held(session, candidate_id, actor)
    code = candidate.violation_code
    if code not in RIDER_CODES:
        raise NotARiderFinding(f"{code} has no riders to drop")
    measured = dict(candidate.measured or {})
    known = {int(r["rider"]) for r in measured.get("riders_seen", [])}
    if code in OVERLOAD and not known:
        known = set(range(int(measured.get("riders", 0))))
    if rider not in known or rider in dropped(measured):
        raise RiderNotInFinding(
            f"no rider {rider} left in this finding (riders: {sorted(known - dropped(measured))})"
        )
    entry = {"rider": rider, "reason": reason, "by": actor, "at": utc_now().isoformat()}
    measured["dropped_riders"] = [*measured.get("dropped_riders", []), entry]
    falls, before = False, code
    if code in NO_HELMET:
        falls = rider == int(measured.get("rider", -1))
    else:
        riders = int(measured["riders"]) - 1
        measured["riders"], measured["passengers"] = riders, riders - 1
        measured["possible_child_passengers"] = [
            p for p in measured.get("possible_child_passengers", []) if p != rider
        ]
        after = overload_code(riders - 1)
        falls = after is None
        if after is not None:
            candidate.violation_code = after
    candidate.measured = measured
    audit.record(
        session,
        actor=actor,
        action="candidate.drop_rider",
        object_type="violation_candidate",
        object_id=candidate_id,
        detail={
            "rider": rider,
            "reason": reason,
            "code_before": before,
            "code_after": candidate.violation_code,
            "finding_falls": falls,
        },
    )
    if falls:
        note = f"rider {rider} dropped ({reason}): the {before} finding falls"
        reject(
            session, candidate_id, RejectReason.not_a_violation, actor=actor, note=note, supervisor=supervisor
        )
    return candidate
