"""An in-repo VNPay sandbox (API v2.1.0), its own HTTP service: the payment page (pay / cancel), the
signed redirect back to the merchant's return URL, the signed IPN to the merchant's IPN URL, and the
querydr and refund API. Switches (POST /_config) make it cancel, fail, delay, duplicate or reorder IPNs
and slow its API down, so the merchant side can be tested against each. The demo's default gateway.

Run: ``tvp gateway vnpay-sandbox --port 8200`` (TVP_VNPAY_TMN_CODE / TVP_VNPAY_HASH_SECRET shared with tvp).
"""

from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel

from core.time import utc_now
from payments.gateways.vnpay import (
    QUERYDR_REQUEST,
    QUERYDR_RESPONSE,
    REFUND_REQUEST,
    REFUND_RESPONSE,
    SignatureInvalid,
    amount_of,
    pipe_hash,
    sign_params,
    verify_params,
    vnp_time,
)

RESULT_CODES = {"success": "00", "failure": "51", "cancel": "24"}


class SandboxConfig(BaseModel):
    """What the next payments do. ``ipn``: normal (IPN, then the browser redirect), delayed (redirect
    first, IPN after delay_s), held (kept until POST /_release), duplicated (the IPN sent twice at once),
    out_of_order (a stale failed IPN after the success), none (the IPN is lost)."""

    outcome: str = "success"  # success | failure | cancel (what the Pay button does)
    ipn: str = "normal"
    delay_s: float = 0.5
    api_delay_s: float = 0.0  # querydr/refund answer after this long (a client timeout)
    ipn_url: str | None = None


@dataclass
class Txn:
    params: dict[str, str]
    amount_vnd: int
    status: str = "01"  # VNPay vnp_TransactionStatus: 01 pending, 00 success, 02 failed, 05/06 refunded
    response_code: str = ""
    transaction_no: str = ""
    pay_date: str = ""
    refunded_vnd: int = 0


@dataclass
class SandboxState:
    tmn_code: str
    secret: str
    ipn_url: str
    config: SandboxConfig = field(default_factory=SandboxConfig)
    txns: dict[str, Txn] = field(default_factory=dict)
    ipn_log: list[dict[str, Any]] = field(default_factory=list)
    held: list[dict[str, str]] = field(default_factory=list)
    counter: int = 14_000_000
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_no(self) -> str:
        with self.lock:
            self.counter += 1
            return str(self.counter)


def _result_params(state: SandboxState, ref: str, txn: Txn, code: str, status: str) -> dict[str, str]:
    params = {
        "vnp_Amount": txn.params["vnp_Amount"],
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": f"VNP{txn.transaction_no}",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": txn.params.get("vnp_OrderInfo", ""),
        "vnp_PayDate": txn.pay_date,
        "vnp_ResponseCode": code,
        "vnp_TmnCode": state.tmn_code,
        "vnp_TransactionNo": txn.transaction_no,
        "vnp_TransactionStatus": status,
        "vnp_TxnRef": ref,
    }
    params["vnp_SecureHash"] = sign_params(params, state.secret)
    return params


def _send_ipn(state: SandboxState, params: dict[str, str]) -> None:
    url = state.config.ipn_url or state.ipn_url
    try:
        answer = httpx.get(url, params=params, timeout=10).json()
    except (httpx.HTTPError, ValueError) as exc:
        answer = {"error": str(exc)}
    with state.lock:
        state.ipn_log.append(
            {
                "TxnRef": params["vnp_TxnRef"],
                "TransactionNo": params.get("vnp_TransactionNo"),
                "code": params["vnp_ResponseCode"],
                "answer": answer,
            }
        )


def _deliver(state: SandboxState, ref: str, txn: Txn, code: str, status: str) -> None:
    params = _result_params(state, ref, txn, code, status)
    mode = state.config.ipn
    if mode == "normal":
        _send_ipn(state, params)
    elif mode == "delayed":
        threading.Timer(state.config.delay_s, _send_ipn, (state, params)).start()
    elif mode == "held":
        with state.lock:
            state.held.append(params)
    elif mode == "duplicated":
        twins = [threading.Thread(target=_send_ipn, args=(state, params)) for _ in range(2)]
        for t in twins:
            t.start()
        for t in twins:
            t.join()
    elif mode == "out_of_order":
        _send_ipn(state, params)
        _send_ipn(state, _result_params(state, ref, txn, "99", "02"))  # a stale failure, after the success


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f"<body><h1>{escape(title)}</h1>{body}</body></html>",
        status_code=status,
    )


def create_sandbox_app(tmn_code: str, hash_secret: str, ipn_url: str) -> FastAPI:
    state = SandboxState(tmn_code, hash_secret, ipn_url)
    app = FastAPI(title="VNPay sandbox (tvp)", docs_url=None, redoc_url=None)
    app.state.sandbox = state

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/_config")
    def configure(body: SandboxConfig) -> SandboxConfig:
        state.config = body
        return body

    @app.post("/_release")
    def release() -> dict[str, int]:
        """Send the held IPNs now, in order."""
        with state.lock:
            held, state.held = state.held, []
        for params in held:
            _send_ipn(state, params)
        return {"sent": len(held)}

    @app.get("/_state")
    def show() -> dict[str, Any]:
        return {
            "txns": {
                ref: {"status": t.status, "refunded_vnd": t.refunded_vnd} for ref, t in state.txns.items()
            },
            "ipn_log": state.ipn_log,
        }

    @app.get("/paymentv2/vpcpay.html", response_class=HTMLResponse)
    def pay_page(request: Request) -> HTMLResponse:
        try:
            params = verify_params(dict(request.query_params), state.secret)
        except SignatureInvalid:
            return _page("Sai chữ ký / Invalid signature (code 70)", "", 400)
        if params.get("vnp_TmnCode") != state.tmn_code:
            return _page("Website chưa được phê duyệt / Unknown merchant (code 02)", "", 400)
        ref = params["vnp_TxnRef"]
        with state.lock:
            txn = state.txns.setdefault(ref, Txn(params=params, amount_vnd=amount_of(params["vnp_Amount"])))
        if txn.status != "01":
            return _page("Giao dịch đã được xử lý / Already processed", "", 409)
        form = (
            f"<p>{escape(params.get('vnp_OrderInfo', ''))}</p><p id='amount'>{txn.amount_vnd:,} VND</p>"
            '<form method="post" action="/paymentv2/confirm">'
            f'<input type="hidden" name="ref" value="{escape(ref)}">'
            '<button name="action" value="pay" id="pay">Thanh toán / Pay</button> '
            '<button name="action" value="cancel" id="cancel">Huỷ / Cancel</button></form>'
        )
        return _page("Cổng thanh toán VNPay (sandbox)", form)

    @app.post("/paymentv2/confirm")
    def confirm(ref: str = Form(), action: str = Form()) -> RedirectResponse:
        txn = state.txns.get(ref)
        if txn is None or txn.status != "01":
            return RedirectResponse("/paymentv2/vpcpay.html", status_code=303)
        code = RESULT_CODES["cancel"] if action == "cancel" else RESULT_CODES.get(state.config.outcome, "99")
        status = "00" if code == "00" else "02"
        txn.transaction_no, txn.pay_date = state.next_no(), vnp_time(utc_now())
        txn.status, txn.response_code = status, code
        _deliver(state, ref, txn, code, status)
        back = _result_params(state, ref, txn, code, status)
        return RedirectResponse(f"{txn.params['vnp_ReturnUrl']}?{urlencode(back)}", status_code=303)

    @app.post("/merchant_webapi/api/transaction")
    def api(body: dict[str, Any]) -> JSONResponse:
        if state.config.api_delay_s:
            time.sleep(state.config.api_delay_s)
        command = body.get("vnp_Command")
        fields = QUERYDR_REQUEST if command == "querydr" else REFUND_REQUEST
        answer: dict[str, Any] = {
            "vnp_ResponseId": body.get("vnp_RequestId", ""),
            "vnp_Command": command,
            "vnp_TmnCode": state.tmn_code,
            "vnp_TxnRef": body.get("vnp_TxnRef", ""),
            "vnp_OrderInfo": body.get("vnp_OrderInfo", ""),
        }
        given = str(body.get("vnp_SecureHash", ""))
        txn = state.txns.get(str(body.get("vnp_TxnRef")))
        if not hmac.compare_digest(given, pipe_hash(body, fields, state.secret)):
            answer.update(vnp_ResponseCode="97", vnp_Message="Invalid Checksum")
        elif body.get("vnp_TmnCode") != state.tmn_code:
            answer.update(vnp_ResponseCode="02", vnp_Message="Merchant is not valid")
        elif txn is None:
            answer.update(vnp_ResponseCode="91", vnp_Message="Transaction not found")
        elif command == "querydr":
            answer.update(vnp_ResponseCode="00", vnp_Message="QueryDR Success")
        elif command == "refund":
            amount = int(body.get("vnp_Amount", 0)) // 100
            if txn.status not in ("00", "06") or amount <= 0 or amount > txn.amount_vnd - txn.refunded_vnd:
                answer.update(
                    vnp_ResponseCode="94" if txn.status == "05" else "02", vnp_Message="Refund refused"
                )
            else:
                txn.refunded_vnd += amount
                txn.status = "05" if txn.refunded_vnd == txn.amount_vnd else "06"
                answer.update(vnp_ResponseCode="00", vnp_Message="Refund success")
        else:
            answer.update(vnp_ResponseCode="99", vnp_Message="Unknown command")
        if txn is not None and answer["vnp_ResponseCode"] in ("00", "94", "02"):
            answer.update(
                vnp_Amount=str(int(body["vnp_Amount"]) if command == "refund" else txn.amount_vnd * 100),
                vnp_BankCode="NCB",
                vnp_PayDate=txn.pay_date,
                vnp_TransactionNo=txn.transaction_no or "0",
                vnp_TransactionType=str(body.get("vnp_TransactionType", "01")),
                vnp_TransactionStatus=txn.status,
            )
        answer["vnp_SecureHash"] = pipe_hash(
            answer, QUERYDR_RESPONSE if command == "querydr" else REFUND_RESPONSE, state.secret
        )
        return JSONResponse(answer)

    return app
