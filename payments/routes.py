"""Gateway callbacks (public, signature-checked first) and the staff's payment actions.

- GET /api/payments/vnpay/ipn: VNPay's server-to-server call, the source of truth; answers
  {"RspCode", "Message"} as VNPay expects (00 ok, 01 not found, 02 already confirmed, 04 invalid amount,
  97 invalid signature, 99 unknown error).
- GET /payments/vnpay/return: the citizen's browser coming back; display only, it never changes state.
- Stripe's webhook and return page: payments/webhooks.py.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from core.auth.deps import public, require
from core.auth.principal import Principal
from core.db import IMMEDIATE, get_session, get_sessionmaker, get_write_session
from core.models import Role
from payments import service
from payments.exceptions import PaymentNotFound
from payments.gateways.base import GatewayError, SignatureInvalid
from payments.gateways.vnpay import VNPay
from payments.models import Payment, PaymentStatus
from payments.schemas import PaymentRead, RefundCreate, RefundRead
from payments.webhooks import router as stripe_router
from penalties.decisions.document import vnd

logger = logging.getLogger(__name__)
router = APIRouter(tags=["payments"])
Public = Annotated[object, Depends(public())]
Supervisors = Annotated[Principal, Depends(require(Role.supervisor))]
DB = Annotated[Session, Depends(get_session, scope="function")]
AuditedDB = Annotated[Session, Depends(get_write_session, scope="function")]
_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape()
)

IPN_ANSWERS = {
    service.Applied.applied: ("00", "Confirm Success"),
    service.Applied.duplicate: ("02", "Order already confirmed"),
    service.Applied.not_found: ("01", "Order not found"),
    service.Applied.amount_mismatch: ("04", "Invalid amount"),
}


def _ipn(code: str, message: str) -> JSONResponse:
    return JSONResponse({"RspCode": code, "Message": message})


def _vnpay() -> VNPay:
    gw = service.gateway_for()
    return gw if isinstance(gw, VNPay) else service.gateway_for("vnpay")  # type: ignore[return-value]


@router.get("/api/payments/vnpay/ipn", summary="VNPay IPN (server to server): the payment's outcome")
def vnpay_ipn(request: Request, _: Public) -> JSONResponse:
    try:
        gw = _vnpay()
        event = gw.verify_callback(dict(request.headers), b"", dict(request.query_params))
    except SignatureInvalid:
        return _ipn("97", "Invalid signature")  # before anything is read or written
    except Exception:
        logger.exception("VNPay IPN: gateway not configured")
        return _ipn("99", "Unknown error")
    session = get_sessionmaker()()
    try:
        session.connection(execution_options={IMMEDIATE: True})
        result = service.apply_event(session, gw.name, event)
        session.commit()
    except Exception:
        session.rollback()
        logger.exception("VNPay IPN %s failed", event.event_id)
        return _ipn("99", "Unknown error")
    finally:
        session.close()
    return _ipn(*IPN_ANSWERS[result])


@router.get("/payments/vnpay/return", response_class=HTMLResponse, summary="VNPay return page (display only)")
def vnpay_return(request: Request, db: DB, _: Public) -> HTMLResponse:
    try:
        gw = _vnpay()
        event = gw.verify_callback(dict(request.headers), b"", dict(request.query_params))
    except (SignatureInvalid, GatewayError):
        page = _ENV.get_template("vnpay_return.html").render(
            title="Chữ ký không hợp lệ / Invalid signature",
            text="Liên kết không hợp lệ. / This link is not valid.",
        )
        return HTMLResponse(page, status_code=400)
    payment = service.find_payment(db, gw.name, event.gateway_ref)
    if payment is not None and payment.status is PaymentStatus.succeeded:
        title, text = (
            "Thanh toán thành công / Payment received",
            "Quyết định đã được nộp phạt. / The fine is paid.",
        )
    elif payment is not None and payment.status is PaymentStatus.pending and event.outcome == "succeeded":
        title, text = (
            "Đang xác nhận / Confirming",
            "Ngân hàng đã trừ tiền; đang chờ VNPay xác nhận. / Your bank accepted it; VNPay is confirming.",
        )
    else:
        title, text = (
            "Chưa thanh toán / Not paid",
            "Giao dịch không thành công hoặc đã huỷ. / Failed or cancelled.",
        )
    amount = vnd(payment.amount_vnd) if payment is not None else ""
    page = _ENV.get_template("vnpay_return.html").render(
        title=title, text=text, payment=payment, amount=amount
    )
    return HTMLResponse(page)


def _payment(db: Session, payment_id: uuid.UUID, principal: Principal, purpose: str) -> Payment:
    from core import audit

    payment = db.get(Payment, payment_id)
    if payment is None:
        raise PaymentNotFound(f"no payment {payment_id}")
    audit.record_read(
        db,
        actor=principal.actor,
        object_type="payment",
        object_id=payment.id,
        purpose=purpose,
        owner_cccd=payment.decision.cccd,
    )
    return payment


@router.get("/api/payments/{payment_id}", response_model=PaymentRead, summary="One payment (staff)")
def staff_payment(payment_id: uuid.UUID, db: AuditedDB, principal: Supervisors) -> PaymentRead:
    return PaymentRead.model_validate(_payment(db, payment_id, principal, "payment detail"))


@router.post(
    "/api/payments/{payment_id}/refunds",
    response_model=RefundRead,
    status_code=201,
    summary="Refund all or part of a payment (e.g. a decision amended down)",
)
def refund(payment_id: uuid.UUID, body: RefundCreate, db: AuditedDB, principal: Supervisors) -> RefundRead:
    payment = _payment(db, payment_id, principal, "refund")
    made = service.refund_payment(db, payment, body.amount_vnd, reason=body.reason, actor=principal.actor)
    return RefundRead.model_validate(made)


router.include_router(stripe_router)  # Stripe's webhook and return page (payments/webhooks.py)
