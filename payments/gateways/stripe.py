"""Stripe over its REST API with httpx (no SDK): PaymentIntents, refunds, balance transactions, webhooks.

Amounts are integer VND: ``vnd`` is a zero-decimal currency at Stripe, so 150000 means 150 000 ₫.
Every POST carries an ``Idempotency-Key`` (the attempt's key; confirm, cancel and refund use keys derived
from it) so a retried request is the same request at Stripe. Our own exactly-once guarantee never
relies on Stripe honouring it: the payments service owns that (unique keys and constraints in our DB).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any, ClassVar

import httpx

from core.config import Settings
from core.time import VN_TZ, to_local
from payments.gateways.base import (
    CallbackEvent,
    Created,
    CreateRequest,
    Gateway,
    GatewayError,
    Outcome,
    RefundResult,
    SettlementLine,
    SignatureInvalid,
    StatusReport,
)

CURRENCY = "vnd"
TOLERANCE_S = 300  # Stripe's own default for webhook timestamps
PAGE_SIZE = 100
EVENT_OUTCOMES = {
    "payment_intent.succeeded": Outcome.succeeded,
    "payment_intent.payment_failed": Outcome.failed,
    "payment_intent.canceled": Outcome.canceled,
    "payment_intent.created": Outcome.pending,
    "payment_intent.processing": Outcome.pending,
    "payment_intent.requires_action": Outcome.pending,
    "charge.refunded": Outcome.refunded,
}


class StripeRefused(GatewayError):
    """Stripe answered a 4xx that retrying will not fix (bad request, bad key, unknown object)."""

    def __init__(self, status: int, error: Mapping[str, Any]):
        self.status, self.error = status, dict(error)
        super().__init__(f"Stripe refused the request ({status}): {error.get('message') or error}")


class CardDeclined(StripeRefused):
    """402: the card was declined (insufficient funds, blocked…): the attempt failed, do not retry."""


class UnsupportedEvent(ValueError):
    """A correctly signed event of a type payments does not act on: answer 2xx and ignore it."""


def derived_key(key: str, action: str) -> str:
    """The idempotency key of a follow-up call (confirm, cancel, refund) of the attempt ``key``.

    Stripe rejects one key reused for a different request, so each action gets its own, stable key;
    at most 255 characters, as Stripe requires."""
    value = f"{key}:{action}"
    return value if len(value) <= 255 else f"{action}:{hashlib.sha256(value.encode()).hexdigest()}"


def vn_day_bounds(day: date) -> tuple[int, int]:
    """Unix seconds of [00:00, next 00:00) of ``day`` in Vietnam time."""
    start = datetime.combine(day, dtime.min, tzinfo=VN_TZ)
    return int(start.timestamp()), int((start + timedelta(days=1)).timestamp())


def intent_outcome(intent: Mapping[str, Any]) -> Outcome:
    status = intent.get("status")
    if status == "succeeded":
        return Outcome.succeeded
    if status == "canceled":
        return Outcome.canceled
    if status == "requires_payment_method" and intent.get("last_payment_error"):
        return Outcome.failed
    return Outcome.pending


class StripeGateway(Gateway):
    name = "stripe"
    return_path: ClassVar[str] = "/payments/stripe/return"  # Stripe.js comes back here after 3-D Secure

    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        *,
        api_base: str = "https://api.stripe.com",
        timeout_s: float = 10.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        max_backoff_s: float = 5.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ):
        if not secret_key or not webhook_secret:
            raise ValueError("Stripe needs TVP_STRIPE_SECRET_KEY and TVP_STRIPE_WEBHOOK_SECRET")
        self.webhook_secret = webhook_secret
        self.client = httpx.Client(
            base_url=api_base.rstrip("/"),
            auth=(secret_key, ""),
            timeout=timeout_s,
            transport=transport,
        )
        self.max_retries, self.backoff_s, self.max_backoff_s = max_retries, backoff_s, max_backoff_s
        self.sleep, self.clock = sleep, clock

    @classmethod
    def from_settings(cls, settings: Settings) -> StripeGateway:
        return cls(
            settings.stripe_secret_key,
            settings.stripe_webhook_secret,
            api_base=settings.stripe_api_base,
        )

    # --- payments -------------------------------------------------------------------------------

    def create(self, request: CreateRequest) -> Created:
        intent = self.create_intent(request)
        return Created(intent["id"], None, intent.get("client_secret"))

    def create_intent(
        self, request: CreateRequest, *, payment_method: str | None = None, confirm: bool = False
    ) -> dict[str, Any]:
        """POST /v1/payment_intents; the citizen's browser confirms it with the client secret (Stripe.js)."""
        if request.amount_vnd <= 0:
            raise ValueError("a payment is a positive number of VND")
        form: dict[str, Any] = {
            "amount": request.amount_vnd,
            "currency": CURRENCY,
            "metadata[reference]": request.reference,
            "metadata[description]": request.description[:500],
        }
        if payment_method:
            form["payment_method"] = payment_method
        if confirm:
            form["confirm"] = "true"
        return self._post("/v1/payment_intents", form, request.idempotency_key)

    def confirm(self, gateway_ref: str, *, idempotency_key: str) -> StatusReport:
        """Confirm an intent that has its payment method; a declined card is a failed outcome."""
        try:
            intent = self._post(
                f"/v1/payment_intents/{gateway_ref}/confirm", {}, derived_key(idempotency_key, "confirm")
            )
        except CardDeclined as declined:
            intent = self._get(f"/v1/payment_intents/{gateway_ref}")
            intent.setdefault("last_payment_error", declined.error)
            if intent.get("status") != "succeeded":
                intent["status"] = "requires_payment_method"
        return self._report(gateway_ref, intent)

    def cancel(self, gateway_ref: str, *, idempotency_key: str) -> StatusReport:
        intent = self._post(
            f"/v1/payment_intents/{gateway_ref}/cancel", {}, derived_key(idempotency_key, "cancel")
        )
        return self._report(gateway_ref, intent)

    def client_secret(self, gateway_ref: str) -> str | None:
        """The intent's client secret, asked again rather than stored (Stripe: never keep or log it)."""
        secret = self._get(f"/v1/payment_intents/{gateway_ref}").get("client_secret")
        return str(secret) if secret else None

    def query(self, gateway_ref: str, reference: str) -> StatusReport:
        intent = self._get(f"/v1/payment_intents/{gateway_ref}")
        found = (intent.get("metadata") or {}).get("reference")
        if found != reference:
            raise GatewayError(f"payment intent {gateway_ref} belongs to {found!r}, not {reference!r}")
        return self._report(gateway_ref, intent)

    def refund(self, gateway_ref: str, amount_vnd: int, *, idempotency_key: str, reason: str) -> RefundResult:
        """Full or partial refund. ``idempotency_key`` must be the refund's own (one per refund row):
        Stripe would replay a second partial refund sent under the first one's key."""
        if amount_vnd <= 0:
            raise ValueError("a refund is a positive number of VND")
        form = {"payment_intent": gateway_ref, "amount": amount_vnd, "metadata[reason]": reason[:500]}
        refund = self._post("/v1/refunds", form, derived_key(idempotency_key, "refund"))
        outcomes = {"succeeded": Outcome.refunded, "failed": Outcome.failed, "canceled": Outcome.failed}
        outcome = outcomes.get(str(refund.get("status")), Outcome.pending)
        return RefundResult(refund["id"], int(refund["amount"]), outcome)

    def settlement(self, day: date) -> list[SettlementLine]:
        """Balance transactions created during ``day`` (Vietnam time), every page.

        A line's ``gateway_ref`` is the PaymentIntent id (from the charge or refund); ``reference`` is
        filled when the charge carries our metadata, else the caller matches on ``gateway_ref``."""
        start, end = vn_day_bounds(day)
        lines: list[SettlementLine] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {
                "created[gte]": start,
                "created[lt]": end,
                "limit": PAGE_SIZE,
                "expand[]": "data.source",  # the charge or refund: its payment intent id
            }
            if after:
                params["starting_after"] = after
            page = self._get("/v1/balance_transactions", params)
            data = page.get("data") or []
            lines.extend(line for txn in data if (line := _settlement_line(txn)) is not None)
            if not page.get("has_more") or not data:
                return lines
            after = data[-1]["id"]

    # --- webhooks -------------------------------------------------------------------------------

    def verify_callback(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> CallbackEvent:
        self._verify_signature(headers, body)
        try:
            event = json.loads(body)
            kind, obj = event["type"], event["data"]["object"]
        except (ValueError, KeyError, TypeError) as exc:
            raise SignatureInvalid("a signed body that is not a Stripe event") from exc
        outcome = EVENT_OUTCOMES.get(kind)
        if outcome is None:
            raise UnsupportedEvent(kind)
        occurred = datetime.fromtimestamp(int(event["created"]), UTC) if event.get("created") else None
        metadata = obj.get("metadata") or {}
        if kind.startswith("charge."):  # charge.refunded: the amount refunded so far, in total
            gateway_ref, amount = obj.get("payment_intent"), obj.get("amount_refunded", 0)
        else:
            gateway_ref, amount = obj.get("id"), obj.get("amount", 0)
        if not gateway_ref:
            raise UnsupportedEvent(f"{kind} without a payment intent")
        return CallbackEvent(
            event_id=event["id"],
            gateway_ref=gateway_ref,
            reference=metadata.get("reference"),
            outcome=outcome,
            amount_vnd=int(amount),
            currency=str(obj.get("currency", "")).lower(),
            occurred_at=occurred,
            raw=event,
            transaction_no=_charge_id(obj) if kind.startswith("payment_intent.") else obj.get("id"),
        )

    def _verify_signature(self, headers: Mapping[str, str], body: bytes) -> None:
        header = _header(headers, "stripe-signature")
        if not header:
            raise SignatureInvalid("no Stripe-Signature header")
        timestamp, signatures = None, []
        for item in header.split(","):
            key, _, value = item.strip().partition("=")
            if key == "t":
                timestamp = value
            elif key == "v1":
                signatures.append(value)
        if not timestamp or not timestamp.isdigit() or not signatures:
            raise SignatureInvalid("Stripe-Signature lacks t= or v1=")
        signed = timestamp.encode() + b"." + body
        expected = hmac.new(self.webhook_secret.encode(), signed, hashlib.sha256).hexdigest()
        if not any(hmac.compare_digest(expected, s) for s in signatures):
            raise SignatureInvalid("no v1 signature matches")
        if abs(self.clock() - int(timestamp)) > TOLERANCE_S:
            raise SignatureInvalid(f"signature timestamp outside the {TOLERANCE_S} s tolerance")

    # --- HTTP -----------------------------------------------------------------------------------

    def _report(self, gateway_ref: str, intent: Mapping[str, Any]) -> StatusReport:
        return StatusReport(
            intent.get("id", gateway_ref),
            intent_outcome(intent),
            int(intent["amount"]),
            intent,
            transaction_no=_charge_id(intent),
        )

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self._send("GET", path, params=params)

    def _post(self, path: str, form: Mapping[str, Any], idempotency_key: str) -> dict[str, Any]:
        if not idempotency_key:
            raise ValueError("every POST to Stripe needs an idempotency key")
        return self._send(
            "POST",
            path,
            data={k: str(v) for k, v in form.items()},
            headers={"Idempotency-Key": idempotency_key},
        )

    def _send(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One call with retries (same idempotency key) on timeouts, 409, 429 and 5xx."""
        last = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.sleep(self._delay(attempt))
            try:
                response = self.client.request(method, path, **kwargs)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
            if response.is_success:
                body: dict[str, Any] = response.json()
                return body
            error = _error(response)
            if response.status_code == 402:
                raise CardDeclined(402, error)
            should = response.headers.get("stripe-should-retry")
            retry = response.status_code in (409, 429) or response.status_code >= 500
            if should is not None:
                retry = should == "true"
            if not retry:
                raise StripeRefused(response.status_code, error)
            last = f"{response.status_code} {error.get('message', '')}".strip()
        raise GatewayError(f"Stripe unavailable after {self.max_retries + 1} attempts: {last}")

    def _delay(self, attempt: int) -> float:
        """Exponential backoff with jitter (half fixed, half random), capped, as Stripe's SDKs do."""
        delay = min(self.backoff_s * 2 ** (attempt - 1), self.max_backoff_s)
        return delay * (0.5 + random.random() / 2)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _error(response: httpx.Response) -> dict[str, Any]:
    try:
        error = response.json().get("error")
    except ValueError:
        error = None
    return error if isinstance(error, dict) else {"message": response.text[:200]}


def _settlement_line(txn: Mapping[str, Any]) -> SettlementLine | None:
    kind = txn.get("type")
    if kind not in ("charge", "payment", "refund", "payment_refund"):
        return None  # payouts, fees, adjustments: not a citizen's payment
    source = txn.get("source")
    source = source if isinstance(source, dict) else {}
    intent = source.get("payment_intent")
    intent_id = intent.get("id") if isinstance(intent, dict) else intent
    metadata = (intent.get("metadata") if isinstance(intent, dict) else None) or source.get("metadata") or {}
    refund = kind in ("refund", "payment_refund")
    available = txn.get("available_on") or txn.get("created")
    return SettlementLine(
        gateway_ref=intent_id or str(source.get("id") or txn.get("source") or txn["id"]),
        reference=metadata.get("reference"),
        amount_vnd=abs(int(txn["amount"])),
        outcome=Outcome.refunded if refund else Outcome.succeeded,
        settled_on=to_local(datetime.fromtimestamp(int(available), UTC)).date() if available else None,
    )


def _charge_id(intent: Mapping[str, Any]) -> str | None:
    """The intent's charge: ``latest_charge`` (API 2022-11-15 on), else the older ``charges`` list."""
    latest = intent.get("latest_charge")
    if isinstance(latest, str):
        return latest
    if isinstance(latest, Mapping):
        return latest.get("id")
    charges = (intent.get("charges") or {}).get("data") or []
    return charges[-1].get("id") if charges else None
