"""Review backlog gauges for /metrics: candidates by state, and how long the oldest has waited."""

from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.gauges import counts_by
from core.time import utc_now
from penalties.candidates.models import CandidateStatus, ViolationCandidate

# Waiting on someone: a reviewer, a supervisor (escalated) or the registry (confirmed, owner lookup queued).
BACKLOG = (CandidateStatus.pending_review, CandidateStatus.escalated, CandidateStatus.awaiting_registry)


def gauges(session: Session) -> list[Metric]:
    by_state = counts_by(
        session,
        ViolationCandidate.status,
        CandidateStatus,
        name="tvp_candidates",
        doc="Violation candidates by state",
        label="state",
    )
    oldest = dict(
        session.execute(
            select(ViolationCandidate.status, func.min(ViolationCandidate.created_at))
            .where(ViolationCandidate.status.in_(BACKLOG))
            .group_by(ViolationCandidate.status)
        ).all()
    )
    now = utc_now()
    age = GaugeMetricFamily(
        "tvp_review_backlog_oldest_age_seconds",
        "Seconds since the oldest candidate still waiting in each backlog state was recorded (0: none)",
        labels=["state"],
    )
    for state in BACKLOG:
        since = oldest.get(state)
        age.add_metric([state.value], max(0.0, (now - since).total_seconds()) if since else 0.0)
    return [by_state, age]
