"""The citizen pays a decision: start a payment (→ the gateway's page, or Stripe.js in the app), follow
it, get the e-receipt. Another citizen's payment or decision is "not found". Every read is audited."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from core.auth.deps import citizen_only
from core.auth.principal import Principal
from core.db import get_write_session
from core.time import vn_today
from payments import service
from payments.receipts import receipt_of, render_receipt_html, render_receipt_pdf
from payments.schemas import DecisionPayments, PaymentCreated, PaymentRead
from penalties.decisions.service import decision_for_citizen

router = APIRouter(prefix="/api/citizen/v1", tags=["citizen app"])
DB = Annotated[Session, Depends(get_write_session, scope="function")]  # reads are audited
Citizen = Annotated[Principal, Depends(citizen_only())]


@router.post(
    "/decisions/{decision_id}/payments",
    response_model=PaymentCreated,
    summary="Pay my decision: the amount due today (late charge included) and where to pay it",
)
def pay_decision(decision_id: uuid.UUID, request: Request, db: DB, principal: Citizen) -> PaymentCreated:
    decision = decision_for_citizen(db, decision_id, principal.cccd, purpose="payment")
    client_ip = request.client.host if request.client else "127.0.0.1"
    checkout = service.start_payment(db, decision, actor=principal.actor, client_ip=client_ip)
    payment = checkout.payment
    return PaymentCreated(
        id=payment.id,
        gateway=payment.gateway,
        redirect_url=payment.redirect_url,
        client_secret=checkout.client_secret,
        return_url=checkout.return_url,
        amount_vnd=payment.amount_vnd,
        late_charge_vnd=payment.late_charge_vnd,
        status=payment.status,
    )


@router.get(
    "/decisions/{decision_id}/payments",
    response_model=DecisionPayments,
    summary="What my decision costs today (late charge included) and the payment that paid it, if any",
)
def decision_payments(decision_id: uuid.UUID, db: DB, principal: Citizen) -> DecisionPayments:
    decision = decision_for_citizen(db, decision_id, principal.cccd, purpose="payment status")
    amount, late = service.amount_due(decision, vn_today())
    paid = service.paid_payment(db, decision.id)
    return DecisionPayments(
        amount_due_vnd=amount,
        late_charge_vnd=late,
        paid=PaymentRead.model_validate(paid) if paid is not None else None,
    )


@router.get(
    "/payments/{payment_id}",
    response_model=PaymentRead,
    summary="My payment's status (refresh=true asks the gateway when it is still pending)",
)
def my_payment(payment_id: uuid.UUID, db: DB, principal: Citizen, refresh: bool = False) -> PaymentRead:
    payment = service.payment_for_citizen(db, payment_id, principal.cccd, purpose="payment status")
    if refresh:
        payment = service.refresh(db, payment)
    return PaymentRead.model_validate(payment)


@router.get("/payments/{payment_id}/receipt.pdf", summary="My e-receipt (PDF)")
def my_receipt_pdf(payment_id: uuid.UUID, db: DB, principal: Citizen) -> Response:
    payment = service.payment_for_citizen(db, payment_id, principal.cccd, purpose="receipt PDF")
    receipt = receipt_of(payment)
    return Response(
        render_receipt_pdf(receipt),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{receipt.number}.pdf"'},
    )


@router.get("/payments/{payment_id}/receipt.html", response_class=HTMLResponse, summary="My e-receipt (HTML)")
def my_receipt_html(payment_id: uuid.UUID, db: DB, principal: Citizen) -> HTMLResponse:
    payment = service.payment_for_citizen(db, payment_id, principal.cccd, purpose="receipt")
    return HTMLResponse(render_receipt_html(receipt_of(payment)))
