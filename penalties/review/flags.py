"""Checks that put a candidate in front of a reviewer with a warning: the registry says the vehicle is
stolen, wanted or deregistered; the detected class or colour does not match the registered type or
colour; or the same plate was seen at another camera too far away for the time between (a cloned
plate)."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from detection.colour import NAME, family_of
from detection.vehicles import VehicleClass
from penalties.cameras.models import Camera
from penalties.candidates.models import ViolationCandidate
from registry.provider import VehicleRecord

MAX_PLAUSIBLE_KMH = 150.0
CLONE_WINDOW = timedelta(hours=6)


def distance_km(a: Camera, b: Camera) -> float:
    """Great-circle distance between two cameras."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def check(
    session: Session, candidate: ViolationCandidate, vehicle: VehicleRecord | None
) -> list[dict[str, Any]]:
    flags: list[dict[str, Any]] = []
    if vehicle is not None:
        if vehicle.stolen:
            flags.append({"flag": "stolen", "detail": "the registry lists this vehicle as stolen"})
        if vehicle.wanted:
            flags.append({"flag": "wanted", "detail": "the registry lists this vehicle as wanted"})
        if vehicle.registration_status != "registered":
            flags.append({"flag": "registration", "detail": f"registration is {vehicle.registration_status}"})
        # A detector tells a motorbike from a car well, a car from a truck or bus less so: compare by
        # the decree's categories (Art. 6 cars and the like, Art. 7 motorbikes).
        seen = VehicleClass.fined(candidate.vehicle_class)
        registered = VehicleClass.fined(vehicle.vehicle_type)
        if seen and registered and seen.fine_category is not registered.fine_category:
            flags.append(
                {
                    "flag": "type_mismatch",
                    "detail": f"camera saw a {candidate.vehicle_class}; "
                    f"registered as a {vehicle.vehicle_type}",
                }
            )
        seen_colour = candidate.provenance.get("vehicle_colour")
        registered_colour = family_of(vehicle.colour)
        if seen_colour and registered_colour and seen_colour != registered_colour:
            flags.append(
                {
                    "flag": "colour_mismatch",
                    "detail": f"camera saw a {seen_colour} vehicle ({NAME.get(seen_colour, seen_colour)}); "
                    f"registered as {vehicle.colour}",
                }
            )
    if candidate.plate:
        flags += _clone_flags(session, candidate)
    return flags


def _clone_flags(session: Session, candidate: ViolationCandidate) -> list[dict[str, Any]]:
    here = session.get(Camera, candidate.camera_id)
    others = session.execute(
        select(ViolationCandidate, Camera)
        .join(Camera, Camera.id == ViolationCandidate.camera_id)
        .where(
            ViolationCandidate.plate == candidate.plate,
            ViolationCandidate.id != candidate.id,
            ViolationCandidate.camera_id != candidate.camera_id,
            ViolationCandidate.detected_at >= candidate.detected_at - CLONE_WINDOW,
            ViolationCandidate.detected_at <= candidate.detected_at + CLONE_WINDOW,
        )
    ).all()
    flags = []
    for other, camera in others:
        if here is None:
            break
        km = distance_km(here, camera)
        hours = abs((other.detected_at - candidate.detected_at).total_seconds()) / 3600
        speed = km / hours if hours > 0 else math.inf
        if speed > MAX_PLAUSIBLE_KMH:
            flags.append(
                {
                    "flag": "cloned_plate",
                    "detail": f"also seen at {camera.code} {km:.0f} km away, {hours * 60:.0f} min apart "
                    f"({'∞' if math.isinf(speed) else f'{speed:.0f}'} km/h needed)",
                    "other_candidate": str(other.id),
                }
            )
    return flags
