"""Notices by state for /metrics."""

from __future__ import annotations

from prometheus_client.core import Metric
from sqlalchemy.orm import Session

from core.gauges import counts_by
from penalties.notices.models import Notice, NoticeStatus


def gauges(session: Session) -> list[Metric]:
    return [
        counts_by(
            session, Notice.status, NoticeStatus, name="tvp_notices", doc="Notices by state", label="state"
        )
    ]
