"""No helmet and too many riders on one motorbike (ND 168/2024), from a track's voted riders
(detection.helmets.vote). Pure: the voted riders in, findings out.

Who is fined differs (fines_decree_168_2024.csv):
- the driver without a helmet: NO_HELMET_DRIVER, on the rider (the owner's notice);
- a passenger without a helmet: NO_HELMET_PASSENGER_CARRIED on the rider who carries them, and
  NO_HELMET_PASSENGER on the passenger, a person the registry cannot name;
- two passengers: OVERLOAD_2_PASSENGERS; three or more: OVERLOAD_3PLUS_PASSENGERS (on the rider).

The law exempts children (under 6 from the helmet rule, under 12 from the two-passenger rule). A camera
cannot tell an age: a head much smaller than the adults' on the same motorbike only sets
``possible_child`` in the finding, for the reviewer to decide; the finding is still made. An unclear
rider (too few clear frames, or frames that disagree) makes no helmet finding.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from detection.helmets import Helmet, RiderVerdict, TrackRiders
from detection.rules.base import Finding


def _rider(r: RiderVerdict) -> dict[str, Any]:
    return {
        "rider": r.position,
        "role": "driver" if r.position == 0 else "passenger",
        "confidence": r.confidence,
        "frames": list(r.frames),
        "possible_child": r.possible_child,
    }


def no_helmet(riders: TrackRiders, track_id: int, at: datetime) -> list[Finding]:
    findings = []
    for r in riders.riders:
        if r.helmet is not Helmet.missing:
            continue
        if r.position == 0:
            findings.append(Finding("NO_HELMET_DRIVER", track_id, at, {**_rider(r), "fined": "rider"}))
            continue
        findings.append(Finding("NO_HELMET_PASSENGER_CARRIED", track_id, at, {**_rider(r), "fined": "rider"}))
        findings.append(Finding("NO_HELMET_PASSENGER", track_id, at, {**_rider(r), "fined": "passenger"}))
    return findings


def overload(riders: TrackRiders, track_id: int, at: datetime) -> list[Finding]:
    passengers = riders.count - 1
    if passengers < 2:
        return []
    code = "OVERLOAD_2_PASSENGERS" if passengers == 2 else "OVERLOAD_3PLUS_PASSENGERS"
    children = [r.position for r in riders.riders if r.position > 0 and r.possible_child]
    measured = {
        "riders": riders.count,
        "passengers": passengers,
        "frames": list(riders.count_frames),
        "possible_child_passengers": children,
        "fined": "rider",
    }
    return [Finding(code, track_id, at, measured)]


def evaluate(riders: TrackRiders, track_id: int, at: datetime) -> list[Finding]:
    """Every helmet and overload finding of one motorbike track."""
    return no_helmet(riders, track_id, at) + overload(riders, track_id, at)
