"""The supervisors' dispute queue in the review console: open disputes oldest first, and a page to read
one (the citizen's text and files) and decide it (uphold, cancel, amend)."""

from __future__ import annotations

import math
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_write_session
from core.errors import AppError
from core.models import Role
from core.pagination import PageNumber
from core.time import utc_now
from penalties.responses import disputes
from penalties.responses.models import DisputeStatus
from penalties.responses.schemas import DisputeDecision
from web.i18n import TEXT
from web.routes import DB, check_csrf, form_model, render

router = APIRouter(tags=["web"], include_in_schema=False)
Supervisor = Annotated[Principal, Depends(require(Role.supervisor))]
AuditedDB = Annotated[Session, Depends(get_write_session, scope="function")]
PAGE = 25
TEXT.update(
    {
        "disputes": {"vi": "Giải trình, khiếu nại", "en": "Disputes"},
        "dispute": {"vi": "Giải trình", "en": "Dispute"},
        "opened": {"vi": "Mở lúc", "en": "Opened"},
        "notice_no": {"vi": "Số thông báo", "en": "Notice number"},
        "files": {"vi": "Tệp đính kèm", "en": "Attachments"},
        "no_disputes": {"vi": "Không có giải trình đang chờ.", "en": "No open disputes."},
        "decided": {"vi": "Đã quyết định.", "en": "Decided."},
        "decide": {"vi": "Quyết định", "en": "Decide"},
        "outcome": {"vi": "Kết quả", "en": "Outcome"},
        "upheld": {"vi": "Giữ nguyên thông báo", "en": "Uphold the notice"},
        "cancelled": {"vi": "Hủy thông báo", "en": "Cancel the notice"},
        "amended": {"vi": "Sửa số tiền", "en": "Amend the amount"},
        "reason": {"vi": "Lý do (gửi cho công dân)", "en": "Reason (sent to the citizen)"},
        "new_amount": {"vi": "Số tiền mới (chỉ khi sửa)", "en": "New amount (amend only)"},
        "legal_range": {"vi": "Khung tiền phạt", "en": "Legal range"},
        "citizen_text": {"vi": "Nội dung công dân gửi", "en": "The citizen's text"},
    }
)


@router.get("/disputes")
def queue_page(request: Request, db: DB, principal: Supervisor, page: PageNumber = 1) -> Response:
    rows, total = disputes.open_queue(db, page=page, size=PAGE)
    return render(
        request,
        "disputes.html",
        principal,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / PAGE)),
    )


def _page(
    request: Request,
    db: Session,
    principal: Principal,
    dispute_id: uuid.UUID,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    dispute = disputes.read_dispute(db, dispute_id, actor=principal.actor, purpose="dispute review page")
    legal: tuple[int, int] | tuple[None, None]
    try:
        legal = disputes.legal_range(dispute.notice)
    except AppError:
        legal = (None, None)
    return render(
        request,
        "dispute.html",
        principal,
        status_code=status_code,
        d=dispute,
        notice=dispute.notice,
        is_open=dispute.status is DisputeStatus.open,
        low=legal[0],
        high=legal[1],
        error=error,
    )


@router.get("/disputes/{dispute_id}")
def dispute_page(request: Request, dispute_id: uuid.UUID, db: AuditedDB, principal: Supervisor) -> Response:
    return _page(request, db, principal, dispute_id)


@router.post("/disputes/{dispute_id}/decide")
def decide_page(
    request: Request,
    dispute_id: uuid.UUID,
    db: AuditedDB,
    principal: Supervisor,
    outcome: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    amount_vnd: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    try:
        amount = amount_vnd.replace(".", "").replace(",", "").strip() or None
        body = form_model(DisputeDecision, outcome=outcome, reason=reason, amount_vnd=amount)
        disputes.decide(
            db,
            dispute_id,
            outcome=DisputeStatus(body.outcome),
            reason=body.reason,
            amount_vnd=body.amount_vnd if body.outcome == "amended" else None,
            actor=principal.actor,
            now=utc_now(),
        )
    except AppError as exc:
        db.rollback()
        return _page(request, db, principal, dispute_id, error=str(exc.detail), status_code=exc.status_code)
    return RedirectResponse("/disputes?done=1", status_code=303)
