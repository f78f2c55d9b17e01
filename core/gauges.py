"""Database gauges for /metrics, computed at scrape time with one GROUP BY each; the job outbox here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Job, JobStatus


def counts_by(
    session: Session, column: Any, values: Iterable[str], *, name: str, doc: str, label: str
) -> GaugeMetricFamily:
    """A gauge of rows per value of ``column`` (one GROUP BY); every known value present, 0 when none."""
    rows: dict[Any, int] = dict(session.execute(select(column, func.count()).group_by(column)).all())
    gauge = GaugeMetricFamily(name, doc, labels=[label])
    for value in values:
        gauge.add_metric([str(value)], rows.get(value, 0))
    return gauge


def gauges(session: Session) -> list[Metric]:
    """The job outbox by state (the queue depth)."""
    return [counts_by(session, Job.status, JobStatus, name="tvp_jobs", doc="Jobs by state", label="state")]
