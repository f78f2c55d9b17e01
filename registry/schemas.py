from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from core.time import vn_today
from detection.vehicles import VehicleClass
from identity.cccd import InvalidCCCD, Sex, parse_cccd, validate_cccd
from ocr.plate_format import InvalidPlate, PlateFamily, parse_plate
from registry.models import RegistrationStatus


def _cccd(value: str) -> str:
    try:
        parse_cccd(value)
    except InvalidCCCD as exc:
        raise ValueError(str(exc)) from exc
    return value


CCCD = Annotated[str, Field(examples=["079090123456"]), AfterValidator(_cccd)]


class CitizenCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    full_name: str = Field(min_length=2, max_length=200)
    birth_date: date
    sex: Sex
    cccd: CCCD  # after birth_date and sex: checked against them
    address: str = Field(min_length=3, max_length=400)

    @field_validator("birth_date")
    @classmethod
    def _past(cls, value: date) -> date:
        if value > vn_today():  # the Vietnamese date, not the machine's
            raise ValueError("birth date is in the future")
        return value

    @field_validator("cccd")
    @classmethod
    def _consistent(cls, value: str, info: ValidationInfo) -> str:
        try:
            validate_cccd(value, birth_date=info.data.get("birth_date"), sex=info.data.get("sex"))
        except InvalidCCCD as exc:
            raise ValueError(str(exc)) from exc
        return value


class CitizenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    cccd: str
    full_name: str
    birth_date: date
    sex: Sex
    address: str


_FAMILY = {VehicleClass.motorbike: PlateFamily.motorbike}


class VehicleCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    vehicle_type: VehicleClass
    plate: str = Field(examples=["51G-123.45", "59-X1 374.38"], max_length=24)
    colour: str = Field(min_length=2, max_length=40)
    brand: str = Field(min_length=1, max_length=60)
    owner_cccd: CCCD
    registration_status: RegistrationStatus = RegistrationStatus.registered

    @field_validator("plate")
    @classmethod
    def _plate(cls, value: str, info: ValidationInfo) -> str:
        vehicle_type = info.data.get("vehicle_type")
        try:
            parsed = parse_plate(value, family=_FAMILY.get(vehicle_type) if vehicle_type else None)
        except InvalidPlate as exc:
            raise ValueError(str(exc)) from exc
        if parsed.family is PlateFamily.motorbike and vehicle_type not in (None, VehicleClass.motorbike):
            raise ValueError(f"{parsed.display} is a motorbike plate but the vehicle is a {vehicle_type}")
        return parsed.display


class VehicleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    plate: str
    plate_display: str
    vehicle_type: VehicleClass
    colour: str
    brand: str
    owner_cccd: str
    registration_status: RegistrationStatus


class CitizenWithVehicles(CitizenRead):
    vehicles: list[VehicleRead]
