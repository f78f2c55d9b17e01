"""How penalties asks who owns a plate: one small interface, swappable by name (TVP_REGISTRY_PROVIDER).

``local`` reads this database's registry tables; a provider for the national registration service
over HTTP plugs in behind the same interface.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.backends import Backend
from ocr.plate_format import InvalidPlate, compact, parse_plate
from registry.models import Citizen, Vehicle


@dataclass(frozen=True)
class OwnerRecord:
    cccd: str  # the person, or the organisation's representative
    full_name: str
    address: str
    kind: str = "person"  # person or organisation
    organisation: str | None = None
    tax_code: str | None = None


@dataclass(frozen=True)
class VehicleRecord:
    plate: str  # compact
    plate_display: str
    vehicle_type: str  # car, motorbike, truck, bus, other
    brand: str
    colour: str
    registration_status: str
    owner: OwnerRecord
    stolen: bool = False
    wanted: bool = False

    def snapshot(self) -> dict[str, Any]:
        return asdict(self)


class RegistryUnavailable(RuntimeError):
    """The registry could not be asked (down, timing out, circuit open): try again later, never guess."""


class RegistryProvider(Backend, ABC):
    registry: ClassVar[dict[str, type[Any]]] = {}

    @abstractmethod
    def lookup(self, session: Session, plate: str) -> VehicleRecord | None:
        """The registered vehicle and its owner, or None when the plate is not registered."""


def plate_key(text: str) -> str:
    try:
        return parse_plate(text).compact
    except InvalidPlate:
        return compact(text)


def find_vehicle(session: Session, plate: str) -> tuple[Vehicle, Citizen] | None:
    """The registered vehicle and its owner (or the organisation's representative)."""
    row = session.execute(
        select(Vehicle, Citizen)
        .join(Citizen, Citizen.cccd == Vehicle.owner_cccd)
        .where(Vehicle.plate == plate_key(plate))
    ).first()
    return None if row is None else (row[0], row[1])


class LocalRegistryProvider(RegistryProvider):
    name = "local"

    def lookup(self, session: Session, plate: str) -> VehicleRecord | None:
        found = find_vehicle(session, plate)
        if found is None:
            return None
        vehicle, owner = found
        return VehicleRecord(
            vehicle.plate,
            vehicle.plate_display,
            str(vehicle.vehicle_type),
            vehicle.brand,
            vehicle.colour,
            str(vehicle.registration_status),
            OwnerRecord(
                owner.cccd,
                owner.full_name,
                owner.address,
                str(vehicle.owner_kind),
                vehicle.organisation_name,
                vehicle.organisation_tax_code,
            ),
            vehicle.stolen,
            vehicle.wanted,
        )


def get_provider(name: str | None = None) -> RegistryProvider:
    from core.config import get_settings

    settings = get_settings()
    chosen = name or settings.registry_provider
    if chosen == "http":
        from registry.http_provider import shared_http_provider

        return shared_http_provider(settings)
    provider: RegistryProvider = RegistryProvider.by_name(chosen)()
    return provider
