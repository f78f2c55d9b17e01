"""Business errors of payments (rendered as {"error": Name, "detail": ...})."""

from __future__ import annotations

from core.errors import AppError, Conflict, InvalidInput, NotFound, ServiceUnavailable


class PaymentNotFound(NotFound):
    """No such payment, or not yours (the same answer)."""


class DecisionNotPayable(Conflict):
    """The decision is already paid, or cancelled."""


class ReceiptNotReady(Conflict):
    """The payment is not settled yet: no receipt."""


class RefundRefused(InvalidInput):
    """The refund is not possible (amount, status)."""


class GatewayUnavailable(ServiceUnavailable):
    """The payment gateway did not answer; try again."""


class CallbackSignatureInvalid(AppError):
    """The callback's signature is missing, forged or stale: nothing was written."""

    status_code = 400


class CallbackAmountMismatch(InvalidInput):
    """The callback's amount or currency is not the payment's: not applied."""
