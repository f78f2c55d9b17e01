from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ocr.plate_format import PROVINCE


class CameraCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    code: str = Field(min_length=3, max_length=40, pattern=r"^[A-Z0-9][A-Z0-9-]+$", examples=["HCM-Q1-001"])
    name: str = Field(min_length=3, max_length=200)
    road: str = Field(min_length=2, max_length=200)
    province_code: str = Field(examples=["51"], description="Plate province code of the camera's area")
    latitude: float = Field(ge=8.0, le=23.5, description="Within Vietnam")
    longitude: float = Field(ge=102.0, le=110.0, description="Within Vietnam")
    speed_limit_kmh: int = Field(gt=0, le=150)

    @field_validator("province_code")
    @classmethod
    def _province(cls, value: str) -> str:
        import re

        if not re.fullmatch(PROVINCE, value):
            raise ValueError(f"{value!r} is not a province code")
        return value


class CameraRead(CameraCreate):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    active: bool
