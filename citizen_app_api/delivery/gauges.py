"""Citizen-app deliveries for /metrics: by state, and those waiting to be retried."""

from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from citizen_app_api.delivery.models import Delivery, DeliveryStatus
from core.gauges import counts_by


def gauges(session: Session) -> list[Metric]:
    by_state = counts_by(
        session,
        Delivery.status,
        DeliveryStatus,
        name="tvp_deliveries",
        doc="Deliveries by state",
        label="state",
    )
    retrying = session.scalar(
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.status == DeliveryStatus.pending, Delivery.attempts > 0)
    )
    awaiting = GaugeMetricFamily(
        "tvp_deliveries_awaiting_retry", "Deliveries tried at least once and queued to be tried again"
    )
    awaiting.add_metric([], retrying or 0)
    return [by_state, awaiting]
