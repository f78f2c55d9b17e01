"""Stripe's side of payments: the webhook (signature first) and the page Stripe.js returns to.

- POST /api/payments/stripe/webhook: Stripe's server-to-server events, the source of truth. Stripe
  retries any non-2xx for up to 3 days, so the answer says whether a retry could ever help:
  400 bad/missing/stale signature (nothing read or written: a forger learns nothing, and Stripe's own
  deliveries are only refused when our secret is wrong, which is worth the dashboard's alarm);
  2xx for events we do not act on, duplicates, stale outcomes and intents we never created (another
  integration on the same account, or a test event: a retry can never find them, the warning is logged
  and real money we lack would show in the daily reconciliation); 422 when the amount or currency is
  not the payment's (never applied; a failed delivery in Stripe's dashboard is a second alarm next to
  our log for money that does not add up, and the retries are refused the same way, writing nothing);
  5xx when our database fails (the retry is what we want).
- GET /payments/stripe/return: the citizen's browser back from 3-D Secure; display only.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from core.auth.deps import public
from core.db import IMMEDIATE, get_session, get_sessionmaker
from payments import service
from payments.exceptions import CallbackAmountMismatch, CallbackSignatureInvalid, GatewayUnavailable
from payments.gateways.base import GatewayError, Outcome, SignatureInvalid
from payments.gateways.stripe import StripeGateway, UnsupportedEvent
from payments.models import Payment, PaymentStatus
from penalties.decisions.document import vnd

logger = logging.getLogger(__name__)
router = APIRouter(tags=["payments"])
Public = Annotated[object, Depends(public())]
DB = Annotated[Session, Depends(get_session, scope="function")]
_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape()
)


def _stripe() -> StripeGateway:
    try:
        gw = service.gateway_for(StripeGateway.name)
    except ValueError as exc:  # no Stripe secrets: Stripe should retry once it is configured
        raise GatewayUnavailable(f"Stripe is not configured: {exc}") from exc
    assert isinstance(gw, StripeGateway)
    return gw


def _received(result: str, **more: str) -> JSONResponse:
    return JSONResponse({"received": True, "result": result, **more})


@router.post("/api/payments/stripe/webhook", summary="Stripe webhook (server to server): a payment's outcome")
async def stripe_webhook(request: Request, _: Public) -> JSONResponse:
    body = await request.body()  # the raw bytes: the signature is over them, not over parsed JSON
    return await run_in_threadpool(_handle, dict(request.headers), body)


def _handle(headers: Mapping[str, str], body: bytes) -> JSONResponse:
    gw = _stripe()
    try:
        event = gw.verify_callback(headers, body, {})
    except SignatureInvalid as exc:
        raise CallbackSignatureInvalid(str(exc)) from None  # before anything is read or written
    except UnsupportedEvent as exc:
        return _received("ignored", why=f"not an event payments act on: {exc}")
    if event.outcome is Outcome.pending:  # created, processing, requires_action: nothing to change
        return _received("ignored", why=f"{event.raw.get('type')} changes nothing")
    session = get_sessionmaker()()
    try:
        session.connection(execution_options={IMMEDIATE: True})
        result = service.apply_event(session, gw.name, event)
        session.commit()
    except Exception:
        session.rollback()
        logger.exception("Stripe event %s failed", event.event_id)
        raise
    finally:
        session.close()
    if result is service.Applied.amount_mismatch:
        raise CallbackAmountMismatch(
            f"{event.event_id}: {event.amount_vnd} {event.currency} is not the payment's amount"
        )
    if result is service.Applied.not_found:
        logger.warning("Stripe event %s for %s: no such payment here", event.event_id, event.gateway_ref)
    return _received(str(result))


@router.get(
    "/payments/stripe/return", response_class=HTMLResponse, summary="Stripe return page (display only)"
)
def stripe_return(
    db: DB,
    _: Public,
    payment_intent: str = "",
    payment_intent_client_secret: str = "",
    redirect_status: str = "",
) -> HTMLResponse:
    """Shows the payment only to whoever holds its client secret (the app that paid it), checked with
    Stripe: the secret is never stored here. Changes nothing: the webhook is the source of truth."""
    payment = service.find_payment(db, StripeGateway.name, payment_intent) if payment_intent else None
    if payment is None or not payment_intent_client_secret:
        return _page(*INVALID, None, status_code=400)
    try:
        known = _stripe().client_secret(payment_intent)
    except (GatewayError, GatewayUnavailable):
        return _page(*CONFIRMING, None)  # the link cannot be checked now: nothing of the payment shown
    if not known or not hmac.compare_digest(known, payment_intent_client_secret):
        return _page(*INVALID, None, status_code=400)
    if payment.status is PaymentStatus.succeeded:
        return _page(*PAID, payment)
    if payment.status is PaymentStatus.pending and redirect_status == "succeeded":
        return _page(*CONFIRMING, payment)
    return _page(*NOT_PAID, payment)


INVALID = ("Liên kết không hợp lệ / Invalid link", "Liên kết không hợp lệ. / This link is not valid.")
PAID = ("Thanh toán thành công / Payment received", "Quyết định đã được nộp phạt. / The fine is paid.")
CONFIRMING = (
    "Đang xác nhận / Confirming",
    "Đang chờ Stripe xác nhận; xem kết quả trong ứng dụng. / Stripe is confirming; see the app.",
)
NOT_PAID = ("Chưa thanh toán / Not paid", "Giao dịch không thành công hoặc đã huỷ. / Failed or cancelled.")


def _page(title: str, text: str, payment: Payment | None, *, status_code: int = 200) -> HTMLResponse:
    amount = vnd(payment.amount_vnd) if payment is not None else ""
    template = _ENV.get_template("vnpay_return.html")  # the same page as VNPay's return
    page = template.render(title=title, text=text, payment=payment, amount=amount)
    return HTMLResponse(page, status_code=status_code)
