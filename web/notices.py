"""Notice pages for staff: the printable notice and its PDF (each read is audited)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from core.auth.deps import require
from core.auth.principal import Principal
from core.db import get_write_session
from core.models import Role
from penalties.notices.service import notice_frames, notice_pdf, read_notice
from web.routes import render

router = APIRouter(tags=["web"], include_in_schema=False)
Reviewer = Annotated[Principal, Depends(require(Role.reviewer, Role.supervisor))]
AuditedDB = Annotated[Session, Depends(get_write_session, scope="function")]


@router.get("/notices/{notice_id}/pdf")
def notice_pdf_file(notice_id: uuid.UUID, db: AuditedDB, principal: Reviewer) -> Response:
    notice, pdf = notice_pdf(db, notice_id, actor=principal.actor)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{notice.number}.pdf"',
            "X-Content-SHA256": notice.document_sha256 or "",
        },
    )


@router.get("/notices/{notice_id}")
def notice_page(request: Request, notice_id: uuid.UUID, db: AuditedDB, principal: Reviewer) -> Response:
    """The printable notice: evidence, legal basis, amount, due date and how to pay."""
    notice = read_notice(db, notice_id, actor=principal.actor, purpose="printable notice")
    frames = notice_frames(notice)
    return render(request, "notice.html", principal, n=notice, c=notice.candidate, frames=frames)
