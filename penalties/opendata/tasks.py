"""The scheduled publication: every night, the Vietnam month before, once it is over and not yet out."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core import audit
from core.config import get_settings
from core.evidence import get_blob_store
from core.jobs import task
from core.jobs.schedule import periodic
from core.time import to_local, utc_now
from penalties.opendata.service import is_published, publish

logger = logging.getLogger(__name__)
PUBLISH_TASK = "penalties.publish_opendata"
# 19:40 UTC is 02:40 in Vietnam: the month is over and the nightly jobs (decisions at 00:05, reconciliation
# at 02:30) have run. Daily rather than monthly so a worker down on the 1st catches up the next night.
NIGHTLY_AT = timedelta(hours=19, minutes=40)


def previous_vn_month(at: datetime) -> str:
    first = to_local(at).date().replace(day=1)
    last_month = first - timedelta(days=1)
    return f"{last_month:%Y-%m}"


@periodic(timedelta(days=1), offset=NIGHTLY_AT)
@task(PUBLISH_TASK, max_attempts=3)
def publish_opendata(session: Session, *, at: str | None = None, month: str | None = None) -> None:
    """Publish ``month`` (default: the Vietnam month before the slot ``at``) unless it is out already;
    a month given explicitly is published again (the same data gives the same files)."""
    the_month = month or previous_vn_month(datetime.fromisoformat(at) if at else utc_now())
    if month is None and is_published(session, the_month):
        return
    settings = get_settings()
    done = publish(
        session,
        get_blob_store(settings),
        the_month,
        k=settings.opendata_k,
        licence=settings.opendata_licence,
        actor=audit.SYSTEM,
    )
    logger.info("open data %s published: %d rows", the_month, len(done.aggregate.rows))
