"""Payment attempts by outcome for /metrics."""

from __future__ import annotations

from prometheus_client.core import Metric
from sqlalchemy.orm import Session

from core.gauges import counts_by
from payments.models import Payment, PaymentStatus


def gauges(session: Session) -> list[Metric]:
    return [
        counts_by(
            session,
            Payment.status,
            PaymentStatus,
            name="tvp_payments",
            doc="Payment attempts by outcome",
            label="outcome",
        )
    ]
