"""The camera API's bodies. The rules on a camera's place come from the configuration file's model
(detection.camera_config): one set of validators for a YAML file and a JSON body."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from detection.camera_config import CAMERA_CODE_PATTERN, Location


class CameraCreate(Location):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore", frozen=False)

    code: str = Field(pattern=CAMERA_CODE_PATTERN, examples=["HCM-Q1-001"], description="Camera code")


class CameraRead(CameraCreate):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    active: bool


class CameraConfigRead(BaseModel):
    """One stored version of a camera's configuration (its text: GET …/configs/{version})."""

    model_config = ConfigDict(from_attributes=True)

    camera: str = Field(description="Camera code")
    version: int
    sha256: str
    created_by: str
    created_at: datetime
