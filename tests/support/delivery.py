"""Helpers for the citizen-app delivery tests: real HTTP servers in threads, a fake push service, a
browser-like push subscription, and running the due jobs of the outbox."""

from __future__ import annotations

import base64
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI, Request, Response
from sqlalchemy import or_, select

from core.db import session_scope
from core.jobs.runner import JobFailed, execute
from core.models import Job, JobStatus
from core.time import utc_now


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any, port: int | None = None) -> Iterator[str]:
    """Run ``app`` on a real uvicorn server in a thread; yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"server on port {port} did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@dataclass
class PushService:
    """A stand-in push service (FCM/Mozilla autopush): 201 by default, a set answer per subscription."""

    answers: dict[str, int] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/push/{token}")
        async def push(token: str, request: Request) -> Response:
            self.received.append(
                {"token": token, "headers": dict(request.headers), "body": await request.body()}
            )
            return Response(status_code=self.answers.get(token, 201))

        return app


def browser_keys() -> dict[str, str]:
    """What a browser's PushSubscription.toJSON() carries in ``keys``."""
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()  # noqa: E731
    return {"p256dh": b64(raw), "auth": b64(os.urandom(16))}


def run_due_jobs(max_rounds: int = 50, *, only: set[str] | None = None) -> list[str]:
    """Run every job that is due now (or only those named), and those they enqueue, until none is left;
    the names of the jobs run."""
    ran: list[str] = []
    for _ in range(max_rounds):
        with session_scope(writes=False) as session:
            due = session.execute(
                select(Job.id, Job.name)
                .where(
                    or_(Job.status == JobStatus.pending, Job.status == JobStatus.retrying),
                    Job.run_after <= utc_now(),
                )
                .where(Job.name.in_(only) if only else Job.name.is_not(None))
                .order_by(Job.run_after)
            ).all()
        if not due:
            return ran
        for job_id, name in due:
            with suppress(JobFailed):
                execute(str(job_id))
            ran.append(name)
    raise AssertionError(f"jobs still due after {max_rounds} rounds: {ran[-10:]}")


def wait_for_due_retry(delivery_id: str) -> None:
    """Sleep until the delivery's next attempt is due (retries are scheduled with jitter)."""
    from citizen_app_api.delivery.models import Delivery

    with session_scope(writes=False) as session:
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None
        wait = (delivery.next_attempt_at - utc_now()).total_seconds()
    if wait > 0:
        time.sleep(wait + 0.01)


def issue_notice(client: Any, *, serial: int, plate: str) -> tuple[str, str]:
    """A notice issued through the review API (claim + confirm); returns (notice id, owner cccd). Its
    delivery job is left for the test to run."""
    from core.models import Role
    from tests.support.factories import make_candidate, make_citizen, make_vehicle, staff_headers

    with session_scope() as session:
        owner = make_citizen(session, serial=serial)
        make_vehicle(session, owner, plate=plate, display=plate)
        candidate_id = make_candidate(session, plate=plate).id
        cccd = owner.cccd
    reviewer = staff_headers(Role.reviewer)
    assert client.post(f"/api/candidates/{candidate_id}/claim", json={}, headers=reviewer).status_code == 200
    confirmed = client.post(f"/api/candidates/{candidate_id}/confirm", json={}, headers=reviewer)
    assert confirmed.status_code == 201, confirmed.text
    return str(confirmed.json()["notice"]["id"]), cccd
