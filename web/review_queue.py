"""The review queue for a working day: filters, server-side sort on any column, counts per violation
and camera (each a filter link), "my claims" with a release button, age coloured against the 10-day
notice clock, the reviewer's own figures, and the whole filtered queue as a streamed CSV file."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from core import audit
from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_write_session, session_scope
from core.models import Role
from core.pagination import PageNumber
from core.time import utc_now, vn_today
from penalties.review import service as review
from penalties.review.export import csv_lines
from penalties.review.queue import QueueFilter, filter_choices, queue, queue_counts, queue_ids
from penalties.review.workday import age_band, age_days, days_left, reviewer_figures
from web.routes import DB, check_csrf, render

router = APIRouter(tags=["web"], include_in_schema=False)
Reviewer = Annotated[Principal, Depends(require(Role.reviewer, Role.supervisor))]
AuditedDB = Annotated[Session, Depends(get_write_session, scope="function")]
PAGE = 25
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
Day = Annotated[date | None, Query(ge=FIRST_DAY, le=LAST_DAY)]
Sort = Literal["detected", "camera", "violation", "plate", "confidence", "status"]
Direction = Literal["asc", "desc"]


class QueueQuery:
    """The queue's query string: filters, sort and page, read once and written back into links."""

    def __init__(
        self,
        camera: Annotated[str | None, Query(max_length=40)] = None,
        code: Annotated[str | None, Query(max_length=40)] = None,
        day_from: Annotated[Day, Query(alias="from")] = None,
        day_to: Annotated[Day, Query(alias="to")] = None,
        min_conf: Annotated[float | None, Query(ge=0, le=1, allow_inf_nan=False)] = None,
        flagged: bool = False,
        mine: bool = False,
        sort: Sort = "detected",
        dir: Direction = "asc",
        page: PageNumber = 1,
    ) -> None:
        self.camera, self.code, self.day_from, self.day_to = camera, code, day_from, day_to
        self.min_conf, self.flagged, self.mine = min_conf, flagged, mine
        self.sort, self.dir, self.page = sort, dir, page

    def filters(self, actor: str) -> QueueFilter:
        claimed_by = actor if self.mine else None
        return QueueFilter(
            self.camera, self.code, self.day_from, self.day_to, self.min_conf, self.flagged, claimed_by
        )

    def params(self) -> dict[str, object]:
        """The non-default parameters, as the page's links carry them."""
        values: dict[str, object] = {
            "camera": self.camera,
            "code": self.code,
            "from": self.day_from,
            "to": self.day_to,
            "min_conf": self.min_conf,
            "flagged": "true" if self.flagged else None,
            "mine": "true" if self.mine else None,
            "sort": None if self.sort == "detected" else self.sort,
            "dir": None if self.dir == "asc" else self.dir,
            "page": None if self.page == 1 else self.page,
        }
        return {k: v for k, v in values.items() if v not in (None, "")}

    def link(self, **changes: object) -> str:
        """This query with some parameters changed (None drops one); a new filter or sort starts at
        page 1."""
        params = self.params()
        if "page" not in changes:
            params.pop("page", None)
        params.update(changes)
        kept = {k: v for k, v in params.items() if v is not None}
        return "/review" + (f"?{urlencode(kept)}" if kept else "")

    def here(self) -> str:
        params = self.params()
        return "/review" + (f"?{urlencode(params)}" if params else "")

    def export_link(self) -> str:
        params = self.params()
        params.pop("page", None)  # the export has every page
        return "/review/export.csv" + (f"?{urlencode(params)}" if params else "")

    def sort_link(self, column: str) -> str:
        flip = "desc" if self.sort == column and self.dir == "asc" else None
        return self.link(sort=None if column == "detected" else column, dir=flip)


Query_ = Annotated[QueueQuery, Depends()]


def _supervisor(principal: Principal) -> bool:
    return Role.supervisor.value in principal.roles


@router.get("/review")
def queue_page(request: Request, db: DB, principal: Reviewer, q: Query_) -> Response:
    filters = q.filters(principal.actor)
    supervisor = _supervisor(principal)
    descending = q.dir == "desc"
    rows, total = queue(
        db, filters, supervisor=supervisor, page=q.page, size=PAGE, sort=q.sort, descending=descending
    )
    by_code, by_camera = queue_counts(db, filters, supervisor=supervisor)
    cameras, codes = filter_choices(db, supervisor=supervisor)
    if q.code and q.code not in codes:  # the filter in use stays selected, even with nothing left under it
        codes = sorted([*codes, q.code])
    today = vn_today()
    ages = {c.id: age_days(c.detected_at, today) for c in rows}
    return render(
        request,
        "review_queue.html",
        principal,
        rows=rows,
        total=total,
        page=q.page,
        pages=max(1, math.ceil(total / PAGE)),
        cameras=cameras,
        codes=codes,
        q=q,
        by_code=by_code,
        by_camera=by_camera,
        ages=ages,
        bands={cid: age_band(days).value for cid, days in ages.items()},
        days_left=days_left,
        figures=reviewer_figures(db, principal.actor, today),
        now=utc_now(),
    )


@router.get("/review/export.csv")
def queue_export(db: AuditedDB, principal: Reviewer, q: Query_) -> Response:
    """The whole filtered queue (every page) in the page's order, as CSV. The plates in it are
    persons' data: the export is audited as one bulk read naming the plates it carries."""
    filters = q.filters(principal.actor)
    descending = q.dir == "desc"
    found = queue_ids(db, filters, supervisor=_supervisor(principal), sort=q.sort, descending=descending)
    ids = [cid for cid, _ in found]
    plates = sorted({plate for _, plate in found if plate})
    audit.record_read(
        db,
        actor=principal.actor,
        object_type="review_queue",
        object_id=None,
        purpose="review queue export (CSV)",
        query=q.params(),
        rows=len(ids),
        plates=plates,
    )

    def stream() -> Iterator[str]:
        with session_scope(writes=False) as reading:
            yield from csv_lines(reading, ids)

    name = f"review-queue-{vn_today().isoformat()}.csv"
    return StreamingResponse(
        stream(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/review/{candidate_id}/release")
def release_page(
    request: Request,
    candidate_id: uuid.UUID,
    db: DB,
    principal: Reviewer,
    csrf: Annotated[str, Form()] = "",
    back: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Give a claimed candidate back to the queue (audited as the API's release is)."""
    check_csrf(request, csrf)
    review.release(db, candidate_id, actor=principal.actor)
    target = back if back == "/review" or back.startswith("/review?") else "/review?mine=true"
    return RedirectResponse(target, status_code=303)
