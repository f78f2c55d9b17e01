"""An in-memory gateway for unit tests: callbacks are JSON bodies signed with HMAC-SHA256 of a test key
in the X-Fake-Signature header; ``outcomes`` decides what a status query answers, ``settled`` (filled
with ``report_line``) what the settlement report of a day lists."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from payments.gateways.base import (
    CallbackEvent,
    Created,
    CreateRequest,
    Gateway,
    Outcome,
    RefundResult,
    SettlementLine,
    SignatureInvalid,
    StatusReport,
)

FAKE_KEY = b"fake-gateway-test-key"


def fake_signature(body: bytes) -> str:
    return hmac.new(FAKE_KEY, body, hashlib.sha256).hexdigest()


class FakeGateway(Gateway):
    name = "fake"

    def __init__(self) -> None:
        self.created: list[CreateRequest] = []
        self.outcomes: dict[str, Outcome] = {}
        self.refunds: list[tuple[str, int]] = []
        self.amounts: dict[str, int] = {}
        self.settled: dict[date, list[SettlementLine]] = {}  # what settlement(day) reports

    def report_line(self, day: date, line: SettlementLine) -> None:
        """Make ``settlement(day)`` report ``line`` (to plant a mismatch in a test)."""
        self.settled.setdefault(day, []).append(line)

    def create(self, request: CreateRequest) -> Created:
        self.created.append(request)
        self.amounts[f"fake_{request.reference}"] = request.amount_vnd
        return Created(
            gateway_ref=f"fake_{request.reference}",
            redirect_url=f"https://fake.invalid/pay/{request.reference}",
        )

    def verify_callback(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> CallbackEvent:
        given = headers.get("x-fake-signature", "")
        if not hmac.compare_digest(given, fake_signature(body)):
            raise SignatureInvalid("bad fake signature")
        data: dict[str, Any] = json.loads(body)
        return CallbackEvent(
            event_id=data["id"],
            gateway_ref=data["gateway_ref"],
            reference=data.get("reference"),
            outcome=Outcome(data["outcome"]),
            amount_vnd=int(data["amount_vnd"]),
            currency=data.get("currency", "VND"),
            occurred_at=None,
            raw=data,
        )

    def query(self, gateway_ref: str, reference: str) -> StatusReport:
        outcome = self.outcomes.get(gateway_ref, Outcome.pending)
        return StatusReport(gateway_ref, outcome, self.amounts.get(gateway_ref, 0))

    def refund(self, gateway_ref: str, amount_vnd: int, *, idempotency_key: str, reason: str) -> RefundResult:
        self.refunds.append((gateway_ref, amount_vnd))
        return RefundResult(f"re_{idempotency_key[:12]}", amount_vnd, Outcome.refunded)

    def settlement(self, day: date) -> list[SettlementLine]:
        return list(self.settled.get(day, []))
