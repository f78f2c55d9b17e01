"""Citizens (population data) and their registered vehicles."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, Timestamps, UUIDPk, enum_column
from detection.vehicles import VehicleClass
from identity.cccd import Sex


class OwnerKind(StrEnum):
    person = "person"
    organisation = "organisation"  # registered to a company or agency; owner_cccd is its representative


class RegistrationStatus(StrEnum):
    registered = "registered"
    deregistered = "deregistered"
    suspended = "suspended"


class Citizen(UUIDPk, Timestamps, Base):
    __tablename__ = "citizens"

    cccd: Mapped[str] = mapped_column(String(12), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[Sex] = enum_column(Sex)
    address: Mapped[str] = mapped_column(String(400))

    vehicles: Mapped[list[Vehicle]] = relationship(back_populates="owner", order_by="Vehicle.plate")


class Vehicle(UUIDPk, Timestamps, Base):
    __tablename__ = "vehicles"

    plate: Mapped[str] = mapped_column(String(12), unique=True)  # compact form, e.g. 51G12345
    plate_display: Mapped[str] = mapped_column(String(20))  # as printed, e.g. 51G-123.45
    vehicle_type: Mapped[VehicleClass] = enum_column(VehicleClass)
    colour: Mapped[str] = mapped_column(String(40))
    brand: Mapped[str] = mapped_column(String(60))
    owner_cccd: Mapped[str] = mapped_column(ForeignKey("citizens.cccd"), index=True)
    registration_status: Mapped[RegistrationStatus] = enum_column(
        RegistrationStatus, default=RegistrationStatus.registered
    )
    stolen: Mapped[bool] = mapped_column(default=False)
    wanted: Mapped[bool] = mapped_column(default=False)
    owner_kind: Mapped[OwnerKind] = enum_column(OwnerKind, default=OwnerKind.person)
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    organisation_tax_code: Mapped[str | None] = mapped_column(String(14))

    owner: Mapped[Citizen] = relationship(back_populates="vehicles")


__all__ = ["Citizen", "OwnerKind", "RegistrationStatus", "Vehicle", "uuid"]
