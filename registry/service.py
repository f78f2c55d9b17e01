"""Citizens and vehicles. Reads of personal data are audited. Services flush; the caller commits."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core import audit
from ocr.plate_format import InvalidPlate, compact, parse_plate
from registry.exceptions import CitizenExists, CitizenNotFound, PlateTaken, VehicleNotFound
from registry.models import Citizen, Vehicle
from registry.schemas import CitizenCreate, VehicleCreate


def create_citizen(session: Session, data: CitizenCreate, *, actor: str) -> Citizen:
    if session.scalar(select(Citizen.id).where(Citizen.cccd == data.cccd)) is not None:
        raise CitizenExists(f"a citizen with CCCD {data.cccd} already exists")
    citizen = Citizen(**data.model_dump())
    session.add(citizen)
    session.flush()
    audit.record(session, actor=actor, action="citizen.create", object_type="citizen", object_id=citizen.id)
    return citizen


def get_citizen(session: Session, cccd: str, *, actor: str, with_vehicles: bool = False) -> Citizen:
    query = select(Citizen).where(Citizen.cccd == cccd)
    if with_vehicles:
        query = query.options(selectinload(Citizen.vehicles))
    citizen = session.scalar(query)
    if citizen is None:
        raise CitizenNotFound(f"no citizen with CCCD {cccd}")
    audit.record(session, actor=actor, action="citizen.read", object_type="citizen", object_id=citizen.id)
    return citizen


def register_vehicle(session: Session, data: VehicleCreate, *, actor: str) -> Vehicle:
    plate = parse_plate(data.plate)
    if session.scalar(select(Citizen.id).where(Citizen.cccd == data.owner_cccd)) is None:
        raise CitizenNotFound(f"no citizen with CCCD {data.owner_cccd} to own this vehicle")
    if session.scalar(select(Vehicle.id).where(Vehicle.plate == plate.compact)) is not None:
        raise PlateTaken(f"plate {plate.display} is already registered")
    vehicle = Vehicle(
        plate=plate.compact,
        plate_display=plate.display,
        vehicle_type=data.vehicle_type,
        colour=data.colour,
        brand=data.brand,
        owner_cccd=data.owner_cccd,
        registration_status=data.registration_status,
    )
    session.add(vehicle)
    session.flush()
    audit.record(session, actor=actor, action="vehicle.register", object_type="vehicle", object_id=vehicle.id)
    return vehicle


def get_vehicle(session: Session, plate_text: str, *, actor: str) -> Vehicle:
    try:
        key = parse_plate(plate_text).compact
    except InvalidPlate:
        key = compact(plate_text)
    vehicle = session.scalar(select(Vehicle).where(Vehicle.plate == key))
    if vehicle is None:
        raise VehicleNotFound(f"no vehicle registered under {plate_text!r}")
    audit.record(session, actor=actor, action="vehicle.read", object_type="vehicle", object_id=vehicle.id)
    return vehicle


def registry_counts(session: Session) -> dict[str, int]:
    """How many vehicles and citizens the registry holds (the staff dashboard)."""
    return {
        "vehicles": session.scalar(select(func.count()).select_from(Vehicle)) or 0,
        "citizens": session.scalar(select(func.count()).select_from(Citizen)) or 0,
    }
