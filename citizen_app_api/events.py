"""Live updates for the citizen app as Server-Sent Events: GET /api/citizen/v1/events streams
``notice.issued`` when a notice reaches the citizen and ``notice.updated`` when one changes state (as
they see it), with a heartbeat comment, until the client goes or ``citizen_events_max_s`` has passed
(the client then reconnects, as EventSource does by itself).

The stream polls the citizen's visible notices (penalties.notices.access.visible_to) every few seconds:
it works across processes (the job worker publishes notices) with no broker. Opening it is audited."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from citizen_app_api.views import TRANSFERRED
from core import audit
from core.auth.deps import citizen_only
from core.auth.principal import Principal
from core.config import get_settings
from core.db import session_scope
from penalties.notices.access import visible_to
from penalties.notices.models import Notice

router = APIRouter(prefix="/api/citizen/v1", tags=["citizen app"])
Citizen = Annotated[Principal, Depends(citizen_only())]
POLL_S = 2.0
HEARTBEAT_S = 15.0
RETRY_MS = 5000  # how soon an EventSource reconnects


def snapshot(cccd: str) -> dict[str, str]:
    """Each visible notice's state as this citizen sees it."""
    with session_scope(writes=False) as session:
        rows = session.execute(
            select(Notice.id, Notice.status, Notice.driver_cccd)
            .where(visible_to(cccd))
            .order_by(Notice.issued_at, Notice.number)
        ).all()
    return {str(i): TRANSFERRED if d and d != cccd else str(s) for i, s, d in rows}


def _opened(principal: Principal) -> None:
    with session_scope() as session:
        audit.record_read(
            session,
            actor=principal.actor,
            object_type="citizen",
            object_id=principal.cccd,
            purpose="citizen app: live updates",
        )


def changes(before: dict[str, str], now: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    found = []
    for notice_id, status in now.items():
        if notice_id not in before:
            found.append(("notice.issued", {"id": notice_id, "status": status}))
        elif before[notice_id] != status:
            found.append(("notice.updated", {"id": notice_id, "status": status}))
    return found


def frame(event: str, data: Mapping[str, object]) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


async def stream(request: Request, cccd: str, max_s: float) -> AsyncIterator[str]:
    known = await run_in_threadpool(snapshot, cccd)
    yield f"retry: {RETRY_MS}\n" + frame("ready", {"notices": len(known)})
    loop = asyncio.get_running_loop()
    ends = loop.time() + max_s
    quiet = 0.0
    while loop.time() < ends and not await request.is_disconnected():
        await asyncio.sleep(POLL_S)
        current = await run_in_threadpool(snapshot, cccd)
        found = changes(known, current)
        known = current
        for event, data in found:
            yield frame(event, data)
        quiet = 0.0 if found else quiet + POLL_S
        if quiet >= HEARTBEAT_S:
            quiet = 0.0
            yield ": heartbeat\n\n"


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
    summary="Live updates about my notices (Server-Sent Events)",
)
async def events(request: Request, principal: Citizen) -> StreamingResponse:
    await run_in_threadpool(_opened, principal)
    return StreamingResponse(
        stream(request, principal.cccd, get_settings().citizen_events_max_s),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
