"""Live updates for the citizen app as Server-Sent Events: GET /api/citizen/v1/events streams
``notice.issued`` when a notice reaches the citizen and ``notice.updated`` when one changes state (as
they see it), and the other things the domain tells this citizen (``nomination.received``,
``nomination.answered``, ``decision.issued``, ``dispute.decided``, ``points.changed``, with the object's
id), with a heartbeat comment, until the client goes or ``citizen_events_max_s`` has passed (the client
then reconnects, as EventSource does by itself).

Every few seconds the stream polls, with no broker and across processes (the job worker publishes):
- the citizen's visible notices (penalties.notices.access.visible_to), for the notice events;
- the ``citizen.notify`` audit entries about this citizen after the last one seen, for the others.
  The ``citizen_app.notify`` job (citizen_app_api/tasks.py) writes one for every event told to a
  citizen, whether or not they have a device registered (the delivery outbox has rows only per device).
  Audit entries are numbered by ``seq`` in commit order (appends serialise on the audit head row), so
  every entry up to the highest committed ``seq`` is visible: that ``seq`` is a safe cursor, and the
  query is a primary-key range over the entries written since the last poll.
Opening the stream is audited."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from citizen_app_api.views import TRANSFERRED
from core import audit
from core.auth.deps import citizen_only
from core.auth.principal import Principal
from core.config import get_settings
from core.db import session_scope
from core.models import AuditEntry
from penalties.notices.access import visible_to
from penalties.notices.models import Notice
from penalties.notices.notify import EVENTS

Event = tuple[str, dict[str, str]]

router = APIRouter(prefix="/api/citizen/v1", tags=["citizen app"])
Citizen = Annotated[Principal, Depends(citizen_only())]
POLL_S = 2.0
HEARTBEAT_S = 15.0
RETRY_MS = 5000  # how soon an EventSource reconnects
NOTIFY_ACTION = "citizen.notify"  # the audit entry written by the citizen_app.notify job
# Notices are streamed from their own poll (it also sees changes nobody is told about).
TOLD = EVENTS - {"notice.issued", "notice.cancelled"}


def snapshot(cccd: str) -> dict[str, str]:
    """Each visible notice's state as this citizen sees it."""
    with session_scope(writes=False) as session:
        rows = session.execute(
            select(Notice.id, Notice.status, Notice.driver_cccd)
            .where(visible_to(cccd))
            .order_by(Notice.issued_at, Notice.number)
        ).all()
    return {str(i): TRANSFERRED if d and d != cccd else str(s) for i, s, d in rows}


def audit_tip() -> int:
    """The highest audit ``seq`` committed now: where a new stream starts reading what it is told."""
    with session_scope(writes=False) as session:
        return int(session.scalar(select(func.max(AuditEntry.seq))) or 0)


def told_since(cccd: str, after: int) -> tuple[int, list[Event]]:
    """What this citizen was told (``citizen.notify``) after audit entry ``after``, oldest first, and
    the new cursor."""
    with session_scope(writes=False) as session:
        tip = int(session.scalar(select(func.max(AuditEntry.seq))) or 0)
        details = session.scalars(
            select(AuditEntry.detail)
            .where(
                AuditEntry.seq > after,
                AuditEntry.seq <= tip,
                AuditEntry.action == NOTIFY_ACTION,
                AuditEntry.object_type == "citizen",
                AuditEntry.object_id == cccd,
            )
            .order_by(AuditEntry.seq)
        ).all()
    found = [
        (str(d["event"]), {"id": str(d.get("object_id", ""))}) for d in details if d.get("event") in TOLD
    ]
    return max(tip, after), found


def poll(cccd: str, known: dict[str, str], cursor: int) -> tuple[dict[str, str], int, list[Event]]:
    """One poll: the notices' changes first, then what the citizen was told. The audit is read first,
    so a notice change committed before an event that is streamed is streamed too, and before it."""
    cursor, told = told_since(cccd, cursor)
    current = snapshot(cccd)
    return current, cursor, changes(known, current) + told


def _opened(principal: Principal) -> None:
    with session_scope() as session:
        audit.record_read(
            session,
            actor=principal.actor,
            object_type="citizen",
            object_id=principal.cccd,
            purpose="citizen app: live updates",
        )


def changes(before: dict[str, str], now: dict[str, str]) -> list[Event]:
    found: list[Event] = []
    for notice_id, status in now.items():
        if notice_id not in before:
            found.append(("notice.issued", {"id": notice_id, "status": status}))
        elif before[notice_id] != status:
            found.append(("notice.updated", {"id": notice_id, "status": status}))
    return found


def frame(event: str, data: Mapping[str, object]) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


async def stream(request: Request, cccd: str, max_s: float) -> AsyncIterator[str]:
    cursor = await run_in_threadpool(audit_tip)
    known = await run_in_threadpool(snapshot, cccd)
    yield f"retry: {RETRY_MS}\n" + frame("ready", {"notices": len(known)})
    loop = asyncio.get_running_loop()
    ends = loop.time() + max_s
    quiet = 0.0
    while loop.time() < ends and not await request.is_disconnected():
        await asyncio.sleep(POLL_S)
        known, cursor, found = await run_in_threadpool(poll, cccd, known, cursor)
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
    summary="Live updates: my notices, nominations, decisions, disputes, points (Server-Sent Events)",
)
async def events(request: Request, principal: Citizen) -> StreamingResponse:
    await run_in_threadpool(_opened, principal)
    return StreamingResponse(
        stream(request, principal.cccd, get_settings().citizen_events_max_s),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
