"""Sanction decisions by state for /metrics."""

from __future__ import annotations

from prometheus_client.core import Metric
from sqlalchemy.orm import Session

from core.gauges import counts_by
from penalties.decisions.models import Decision, DecisionStatus


def gauges(session: Session) -> list[Metric]:
    return [
        counts_by(
            session,
            Decision.status,
            DecisionStatus,
            name="tvp_decisions",
            doc="Decisions by state",
            label="state",
        )
    ]
