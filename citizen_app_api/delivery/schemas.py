from __future__ import annotations

import uuid
from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from citizen_app_api.delivery.models import DeliveryStatus, EndpointKind


class PushKeys(BaseModel):
    p256dh: str = Field(min_length=40, max_length=200)
    auth: str = Field(min_length=8, max_length=100)


class EndpointCreate(BaseModel):
    """A webhook: ``kind=webhook`` and ``url``. A browser: ``kind=webpush`` and the PushSubscription's
    ``endpoint`` (as ``url``) and ``keys``."""

    kind: EndpointKind
    url: str = Field(min_length=8, max_length=1000)
    keys: PushKeys | None = None
    label: str | None = Field(None, max_length=100)

    @model_validator(mode="after")
    def _keys_for_webpush(self) -> Self:
        if self.kind is EndpointKind.webpush and self.keys is None:
            raise ValueError("a webpush subscription needs keys.p256dh and keys.auth")
        return self


class EndpointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: EndpointKind
    url: str
    label: str | None
    created_at: datetime
    disabled_at: datetime | None
    disabled_reason: str | None


class EndpointCreated(EndpointRead):
    secret: str | None = Field(
        None, description="Webhooks: the signing secret (whsec_…); shown only in this answer"
    )


class ReceiptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    status: DeliveryStatus
    confirmed_at: datetime | None


class PostalRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    notice_id: uuid.UUID
    notice_number: str
    cccd: str
    published_at: datetime
    flagged_at: datetime
    deliveries: int
