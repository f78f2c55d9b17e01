"""The retention purge: hourly, the admitted faces of ended exams and the frames of old flags."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from core import audit
from core.evidence import get_blob_store
from core.jobs import task
from core.jobs.schedule import periodic
from exams.proctoring.service import purge

PURGE_TASK = "exams.purge_proctoring"


@periodic(timedelta(hours=1), offset=timedelta(minutes=20))
@task(PURGE_TASK, max_attempts=5)
def purge_proctoring(session: Session, *, at: str | None = None) -> None:
    done = purge(session, get_blob_store())
    audit.record(
        session,
        actor=audit.SYSTEM,
        action="exams.proctoring_purged",
        object_type="exam_proctoring",
        object_id=None,
        detail={"references": done.references, "frames": done.frames},
    )
