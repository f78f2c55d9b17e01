"""The payment-gateway contract: one small base class, a registry by name (core.backends), a fake.

An adapter only speaks its gateway's protocol; it never touches the database. The payments service
owns the rows (one attempt = one row with a unique idempotency key), decides what a callback means for
a payment, and never trusts a gateway to deduplicate.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Self

from core.backends import Backend

if TYPE_CHECKING:
    from core.config import Settings


class GatewayError(Exception):
    """The gateway could not be reached or refused the call (retry may help)."""


class SignatureInvalid(Exception):
    """A callback's signature is missing, forged or stale: nothing may be written."""


class Outcome(StrEnum):
    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"
    canceled = "canceled"
    refunded = "refunded"


@dataclass(frozen=True)
class CreateRequest:
    idempotency_key: str  # our attempt's key: the same key twice is the same attempt
    reference: str  # our payment reference (VNPay vnp_TxnRef, Stripe metadata)
    amount_vnd: int
    description: str
    return_url: str  # where the citizen's browser comes back (display only)
    client_ip: str = "127.0.0.1"


@dataclass(frozen=True)
class Created:
    gateway_ref: str  # the gateway's id for this attempt (PaymentIntent id, or our TxnRef for VNPay)
    redirect_url: str | None  # where to send the citizen's browser, if the gateway has a payment page
    client_secret: str | None = None  # Stripe's PaymentIntent client secret, for a JS confirm


@dataclass(frozen=True)
class CallbackEvent:
    """A verified callback (VNPay IPN, Stripe webhook event), normalised."""

    event_id: str  # unique per gateway: the raw event is stored once under (gateway, event_id)
    gateway_ref: str
    reference: str | None
    outcome: Outcome
    amount_vnd: int
    currency: str
    occurred_at: datetime | None
    raw: Mapping[str, Any] = field(default_factory=dict)
    transaction_no: str | None = None  # the gateway's own id of the money moved (vnp_TransactionNo, charge)


@dataclass(frozen=True)
class StatusReport:
    gateway_ref: str
    outcome: Outcome
    amount_vnd: int
    raw: Mapping[str, Any] = field(default_factory=dict)
    transaction_no: str | None = None


@dataclass(frozen=True)
class RefundResult:
    refund_ref: str
    amount_vnd: int
    outcome: Outcome


@dataclass(frozen=True)
class SettlementLine:
    gateway_ref: str
    reference: str | None
    amount_vnd: int
    outcome: Outcome
    settled_on: date | None
    transaction_no: str | None = None  # the gateway's transaction number, when the report gives it


@dataclass(frozen=True)
class Attempt:
    """One of our attempts at the gateway, as an adapter needs it to ask about it (no rows here)."""

    gateway_ref: str
    reference: str
    created_at: datetime


@dataclass(frozen=True)
class GatewayReport:
    """What the gateway says about a day: its lines, and the attempts it could not be asked about."""

    lines: list[SettlementLine]
    unchecked: list[str] = field(default_factory=list)  # gateway refs of attempts left unanswered


class Gateway(Backend, ABC):
    """One payment gateway. Subclasses set ``name`` and register themselves."""

    registry: ClassVar[dict[str, type[Any]]] = {}
    # Where the citizen's browser comes back to, under the public base URL (display only).
    return_path: ClassVar[str] = "/payments/return"

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """The adapter configured by the settings (each adapter reads its own)."""
        return cls()

    @abstractmethod
    def create(self, request: CreateRequest) -> Created: ...

    @abstractmethod
    def verify_callback(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> CallbackEvent:
        """Check the signature FIRST (SignatureInvalid if bad), then parse."""

    @abstractmethod
    def query(self, gateway_ref: str, reference: str) -> StatusReport: ...

    def client_secret(self, gateway_ref: str) -> str | None:
        """What the citizen's app needs to confirm an open attempt itself (Stripe.js), if anything."""
        return None

    @abstractmethod
    def refund(
        self, gateway_ref: str, amount_vnd: int, *, idempotency_key: str, reason: str
    ) -> RefundResult: ...

    @abstractmethod
    def settlement(self, day: date) -> list[SettlementLine]:
        """The gateway's report of one day's transactions, for reconciliation."""

    def report(self, day: date, attempts: Sequence[Attempt]) -> GatewayReport:
        """What reconciliation compares with our payments of ``day`` (a Vietnam day): the settlement
        report where the gateway has one; an adapter without one asks about each of ``attempts``."""
        return GatewayReport(self.settlement(day))
