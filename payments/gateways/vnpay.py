"""VNPay (API v2.1.0): the signed payment URL, verifying the return URL and the IPN, and the querydr and
refund calls (JSON POSTs to the merchant web API, pipe-joined HMAC-SHA512). Signing facts:
shared/reference/identity_and_payments.md §B4.1."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Self
from urllib.parse import quote_plus

import httpx

from core.config import Settings
from core.time import to_local, utc_now
from payments.gateways.base import (
    Attempt,
    CallbackEvent,
    Created,
    CreateRequest,
    Gateway,
    GatewayError,
    GatewayReport,
    Outcome,
    RefundResult,
    SettlementLine,
    SignatureInvalid,
    StatusReport,
)

VERSION = "2.1.0"
HASH_FIELDS = ("vnp_SecureHash", "vnp_SecureHashType")
QUERYDR_RESPONSE = [
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
]
REFUND_RESPONSE = [
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
]
QUERYDR_REQUEST = [
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
]
REFUND_REQUEST = [
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
]
CANCELLED = "24"


def vnp_time(at: datetime) -> str:
    """yyyyMMddHHmmss in Vietnam time (GMT+7), as VNPay writes dates."""
    return f"{to_local(at):%Y%m%d%H%M%S}"


def hmac512(secret: str, data: str) -> str:
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def query_string(params: Mapping[str, Any]) -> str:
    """Sorted by key, empty values dropped, key=quote_plus(value) joined with & (what VNPay signs)."""
    return "&".join(
        f"{k}={quote_plus(str(v))}" for k, v in sorted(params.items()) if v is not None and str(v) != ""
    )


def sign_params(params: Mapping[str, Any], secret: str) -> str:
    return hmac512(secret, query_string(params))


def signed_url(base: str, params: Mapping[str, Any], secret: str) -> str:
    return f"{base}?{query_string(params)}&vnp_SecureHash={sign_params(params, secret)}"


def verify_params(query: Mapping[str, str], secret: str) -> dict[str, str]:
    """The vnp_* params if their vnp_SecureHash is right, else SignatureInvalid."""
    params = {k: v for k, v in query.items() if k.startswith("vnp_") and k not in HASH_FIELDS}
    given = str(query.get("vnp_SecureHash", ""))
    if not given or not hmac.compare_digest(sign_params(params, secret), given.lower()):
        raise SignatureInvalid("vnp_SecureHash does not match")
    return params


def pipe_hash(payload: Mapping[str, Any], fields: list[str], secret: str) -> str:
    return hmac512(secret, "|".join(str(payload.get(f, "")) for f in fields))


def outcome_of(response_code: str, transaction_status: str | None) -> Outcome:
    if response_code == "00" and transaction_status in (None, "", "00"):
        return Outcome.succeeded
    if response_code == CANCELLED:
        return Outcome.canceled
    return Outcome.failed


def pay_day(vnp_pay_date: str) -> date | None:
    """The day of a vnp_PayDate (yyyyMMddHHmmss, Vietnam time), None if absent or malformed."""
    try:
        return datetime.strptime(vnp_pay_date[:8], "%Y%m%d").date()
    except ValueError:
        return None


def amount_of(vnp_amount: str) -> int:
    """vnp_Amount is VND × 100; anything that is not whole VND is -1 (never equal to a payment)."""
    value = int(vnp_amount or 0)
    return value // 100 if value % 100 == 0 else -1


class VNPay(Gateway):
    name = "vnpay"
    return_path: ClassVar[str] = "/payments/vnpay/return"

    def __init__(
        self, tmn_code: str, hash_secret: str, pay_url: str, api_url: str, timeout_s: float = 10.0
    ) -> None:
        if not hash_secret:
            raise GatewayError("no VNPay hash secret configured (TVP_VNPAY_HASH_SECRET)")
        self.tmn_code, self.secret = tmn_code, hash_secret
        self.pay_url, self.api_url, self.timeout_s = pay_url, api_url, timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(
            settings.vnpay_tmn_code,
            settings.vnpay_hash_secret,
            settings.vnpay_pay_url,
            settings.vnpay_api_url,
            settings.vnpay_timeout_s,
        )

    def create(self, request: CreateRequest) -> Created:
        now = utc_now()
        params = {
            "vnp_Version": VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": request.amount_vnd * 100,
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": request.reference,
            "vnp_OrderInfo": request.description,
            "vnp_OrderType": "other",
            "vnp_Locale": "vn",
            "vnp_ReturnUrl": request.return_url,
            "vnp_IpAddr": request.client_ip,
            "vnp_CreateDate": vnp_time(now),
            "vnp_ExpireDate": vnp_time(now + timedelta(minutes=15)),
        }
        return Created(
            gateway_ref=request.reference, redirect_url=signed_url(self.pay_url, params, self.secret)
        )

    def verify_callback(
        self, headers: Mapping[str, str], body: bytes, query: Mapping[str, str]
    ) -> CallbackEvent:
        params = verify_params(query, self.secret)
        if params.get("vnp_TmnCode") != self.tmn_code:
            raise SignatureInvalid("another merchant's terminal code")
        code, status = params.get("vnp_ResponseCode", ""), params.get("vnp_TransactionStatus")
        ref, txn_no = params.get("vnp_TxnRef", ""), params.get("vnp_TransactionNo", "")
        return CallbackEvent(
            event_id=f"ipn:{ref}:{txn_no}:{code}:{status or ''}",
            gateway_ref=ref,
            reference=ref,
            outcome=outcome_of(code, status),
            amount_vnd=amount_of(params.get("vnp_Amount", "0")),
            currency="VND",
            occurred_at=None,
            raw=params,
            transaction_no=txn_no or None,
        )

    def _post(
        self, payload: dict[str, Any], request_fields: list[str], response_fields: list[str]
    ) -> dict[str, Any]:
        payload["vnp_SecureHash"] = pipe_hash(payload, request_fields, self.secret)
        try:
            answer = httpx.post(self.api_url, json=payload, timeout=self.timeout_s)
            answer.raise_for_status()
            data: dict[str, Any] = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise GatewayError(f"VNPay API: {exc.__class__.__name__}: {exc}") from exc
        if data.get("vnp_ResponseCode") == "97" or data.get("vnp_SecureHash") != pipe_hash(
            data, response_fields, self.secret
        ):
            raise GatewayError(f"VNPay API answer not trusted: code {data.get('vnp_ResponseCode')}")
        return data

    def _base(self, command: str, ref: str, info: str) -> dict[str, Any]:
        return {
            "vnp_RequestId": uuid.uuid4().hex,
            "vnp_Version": VERSION,
            "vnp_Command": command,
            "vnp_TmnCode": self.tmn_code,
            "vnp_TxnRef": ref,
            "vnp_OrderInfo": info,
            "vnp_CreateDate": vnp_time(utc_now()),
            "vnp_IpAddr": "127.0.0.1",
        }

    def query(
        self, gateway_ref: str, reference: str, *, transaction_date: datetime | None = None
    ) -> StatusReport:
        payload = self._base("querydr", reference, f"querydr {reference}")
        payload["vnp_TransactionDate"] = vnp_time(transaction_date or utc_now())
        data = self._post(payload, QUERYDR_REQUEST, QUERYDR_RESPONSE)
        code = str(data.get("vnp_ResponseCode"))
        if code == "91":
            outcome = Outcome.pending  # VNPay has no such transaction (yet)
        elif code != "00":
            raise GatewayError(f"VNPay querydr: code {code} {data.get('vnp_Message', '')}")
        else:
            status = str(data.get("vnp_TransactionStatus"))
            outcome = {
                "00": Outcome.succeeded,
                "01": Outcome.pending,
                "05": Outcome.refunded,
                "06": Outcome.succeeded,
            }.get(status, Outcome.failed)
        return StatusReport(
            gateway_ref=reference,
            outcome=outcome,
            amount_vnd=amount_of(str(data.get("vnp_Amount", "0"))),
            raw=data,
            transaction_no=str(data.get("vnp_TransactionNo") or "") or None,
        )

    def refund(
        self,
        gateway_ref: str,
        amount_vnd: int,
        *,
        idempotency_key: str,
        reason: str,
        full: bool = True,
        transaction_no: str = "",
        transaction_date: datetime | None = None,
    ) -> RefundResult:
        payload = self._base("refund", gateway_ref, reason[:255])
        payload.update(
            {
                "vnp_RequestId": hashlib.sha256(idempotency_key.encode()).hexdigest()[:32],
                "vnp_TransactionType": "02" if full else "03",
                "vnp_Amount": amount_vnd * 100,
                "vnp_TransactionNo": transaction_no,
                "vnp_TransactionDate": vnp_time(transaction_date or utc_now()),
                "vnp_CreateBy": "tvp",
            }
        )
        data = self._post(payload, REFUND_REQUEST, REFUND_RESPONSE)
        ok = data.get("vnp_ResponseCode") == "00"
        return RefundResult(
            refund_ref=str(data.get("vnp_TransactionNo") or payload["vnp_RequestId"]),
            amount_vnd=amount_vnd,
            outcome=Outcome.refunded if ok else Outcome.failed,
        )

    def settlement(self, day: Any) -> list[SettlementLine]:
        raise GatewayError("VNPay has no settlement report API: reconcile with querydr per payment")

    def report(self, day: date, attempts: Sequence[Attempt]) -> GatewayReport:
        """VNPay offers no daily report: ask ``querydr`` about each of our attempts of the day. An attempt
        VNPay does not know (code 91) is a pending line; one it did not answer is left unchecked."""
        lines: list[SettlementLine] = []
        unchecked: list[str] = []
        for attempt in attempts:
            try:
                status = self.query(
                    attempt.gateway_ref, attempt.reference, transaction_date=attempt.created_at
                )
            except GatewayError:
                unchecked.append(attempt.gateway_ref)
                continue
            txn_no = str(status.raw.get("vnp_TransactionNo") or "")
            lines.append(
                SettlementLine(
                    gateway_ref=attempt.gateway_ref,
                    reference=attempt.reference,
                    amount_vnd=status.amount_vnd,
                    outcome=status.outcome,
                    settled_on=pay_day(str(status.raw.get("vnp_PayDate") or "")),
                    transaction_no=txn_no if txn_no not in ("", "0") else None,
                )
            )
        return GatewayReport(lines, unchecked)


class VNPaySandbox(VNPay):
    """The same protocol against the in-repo sandbox (payments/vnpay_sandbox.py): the demo default."""

    name = "vnpay-sandbox"
