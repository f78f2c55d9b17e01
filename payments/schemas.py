"""What the payment routes answer."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from payments.models import PaymentStatus, RefundStatus


class PaymentCreated(BaseModel):
    """An open attempt and how to pay it: follow ``redirect_url`` (VNPay's page), or confirm the Stripe
    PaymentIntent in the app with ``client_secret`` (Stripe.js), coming back to ``return_url``."""

    id: uuid.UUID
    gateway: str = Field(description="vnpay, vnpay-sandbox or stripe")
    redirect_url: str | None = Field(description="Send the citizen's browser here (the gateway's page)")
    client_secret: str | None = Field(
        None, description="Stripe: the PaymentIntent's client secret for Stripe.js (never stored by tvp)"
    )
    return_url: str = Field(description="Where the gateway sends the browser back (display only)")
    amount_vnd: int
    late_charge_vnd: int
    status: PaymentStatus


class PaymentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    decision_id: uuid.UUID
    reference: str
    gateway: str
    amount_vnd: int
    late_charge_vnd: int
    currency: str
    status: PaymentStatus
    paid_at: datetime | None
    settled_at: datetime | None
    receipt_number: str | None
    refunded_vnd: int


class DecisionPayments(BaseModel):
    """A decision as the citizen app's Pay button sees it: the amount due today, or the payment that
    paid it."""

    amount_due_vnd: int = Field(description="Fine plus late charge, if paid today (Vietnam time)")
    late_charge_vnd: int
    paid: PaymentRead | None = Field(description="The succeeded payment (with its receipt number), if any")


class RefundCreate(BaseModel):
    amount_vnd: int = Field(gt=0)
    reason: str = Field(min_length=3, max_length=500)


class RefundRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    payment_id: uuid.UUID
    amount_vnd: int
    status: RefundStatus
    gateway_ref: str | None
