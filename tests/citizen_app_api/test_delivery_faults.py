"""Faults: a worker killed between sending and recording (no lost delivery, the duplicate dropped by
webhook-id), forged and stale signatures at the `tvp citizen-app receiver` process, lost send jobs,
and the postal fallback listed for supervisors."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from citizen_app_api.delivery.models import Delivery, DeliveryAttempt, DeliveryStatus, PostalFlag
from citizen_app_api.delivery.receiver import create_receiver_app
from citizen_app_api.delivery.service import new_secret
from core.jobs import enqueue
from core.jobs.runner import execute
from core.models import AuditEntry, Job, JobStatus, Role
from core.time import utc_now
from penalties.notices.models import Notice
from tests.support.delivery import free_port, issue_notice, run_due_jobs, serve
from tests.support.factories import citizen_token, staff_headers

CRASH_BETWEEN_SEND_AND_RECORD = """
import os, sys
from core.time import follow_test_clock
follow_test_clock()  # the same running clock as the tests (the receiver checks the signature's time)
from core.plugins import load_tasks
load_tasks()
import citizen_app_api.delivery.sending as sending
from core.jobs.runner import execute

def die(*args, **kwargs):
    os._exit(3)  # the worker dies after the receiver answered, before anything is recorded

sending.record_attempt = die
execute(sys.argv[1])
"""


def webhook_device(client: TestClient, cccd: str, port: int) -> str:
    headers = {"Authorization": f"Bearer {citizen_token(client, cccd)}"}
    body = {"kind": "webhook", "url": f"http://127.0.0.1:{port}/webhook"}
    made = client.post("/api/citizen/v1/devices", json=body, headers=headers)
    assert made.status_code == 201, made.text
    return str(made.json()["secret"])


def test_worker_killed_between_send_and_record_loses_nothing(
    client: TestClient, db: Session, tmp_path: Path
) -> None:
    notice_id, cccd = issue_notice(client, serial=7301, plate="51G73010")
    port = free_port()
    secret = webhook_device(client, cccd, port)
    run_due_jobs(only={"penalties.deliver_notice", "citizen_app.notify"})
    db.rollback()
    delivery_id = db.scalars(select(Delivery.id)).one()
    job_id = db.scalars(select(Job.id).where(Job.key == f"send:{delivery_id}:0")).one()
    db.rollback()
    receiver = create_receiver_app(secret, tmp_path / "receiver.sqlite")
    with serve(receiver, port) as url:
        script = tmp_path / "crash.py"
        script.write_text(CRASH_BETWEEN_SEND_AND_RECORD)
        env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
        crashed = subprocess.run(
            [sys.executable, str(script), str(job_id)], env=env, capture_output=True, text=True, timeout=120
        )
        assert crashed.returncode == 3, crashed.stderr[-2000:]
        after_crash = httpx.get(f"{url}/messages").json()
        # Nothing was recorded: the delivery is still due, its job still runnable.
        db.rollback()
        pending = db.get(Delivery, delivery_id, populate_existing=True)
        assert pending is not None and pending.status is DeliveryStatus.pending and pending.attempts == 0
        assert db.get(Job, job_id, populate_existing=True).status is JobStatus.pending  # type: ignore[union-attr]
        db.rollback()
        run_due_jobs()  # a normal pass
        messages = httpx.get(f"{url}/messages").json()
    assert [(m["webhook_id"], m["copies"]) for m in after_crash] == [(delivery_id, 1)]
    assert [(m["webhook_id"], m["copies"]) for m in messages] == [(delivery_id, 2)]  # resent, stored once
    db.rollback()
    delivery = db.get(Delivery, delivery_id, populate_existing=True)
    assert delivery is not None and delivery.status is DeliveryStatus.confirmed
    assert db.scalars(
        select(DeliveryAttempt.http_status).where(DeliveryAttempt.delivery_id == delivery.id)
    ).all() == [200]
    notice = db.get(Notice, uuid.UUID(notice_id))
    assert notice is not None and notice.received_at is not None


@pytest.fixture
def receiver_process(tmp_path: Path) -> Iterator[tuple[str, str]]:
    secret, port = new_secret(), free_port()
    tvp = str(Path(sys.executable).parent / "tvp")
    cmd = [tvp, "citizen-app", "receiver", "--secret", secret, "--port", str(port)]
    cmd += ["--store", str(tmp_path / "receiver.sqlite")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                httpx.get(f"{url}/messages", timeout=1)
                break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                time.sleep(0.05)
        yield url, secret
    finally:
        proc.terminate()
        proc.wait(10)


def signed(secret: str, msg_id: str, body: str, at: datetime) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


def test_receiver_rejects_forged_and_stale_and_dedupes(receiver_process: tuple[str, str]) -> None:
    url, secret = receiver_process
    body = '{"type":"notice.issued","timestamp":"2026-11-30T00:00:00+00:00","data":{"object_id":"x"}}'
    now = datetime.now(UTC)
    post = lambda headers, content=body: httpx.post(f"{url}/webhook", content=content, headers=headers)  # noqa: E731
    forged = post(signed(new_secret(), "msg_forged", body, now))
    stale = post(signed(secret, "msg_stale", body, now - timedelta(minutes=10)))
    tampered = post(signed(secret, "msg_tampered", body, now), body.replace('"x"', '"y"'))
    unsigned = post({"content-type": "application/json", "webhook-id": "msg_unsigned"})
    assert [r.status_code for r in (forged, stale, tampered, unsigned)] == [401, 401, 401, 401]
    assert forged.json()["error"] == "InvalidSignature"
    first = post(signed(secret, "msg_good", body, now))
    again = post(signed(secret, "msg_good", body, datetime.now(UTC)))
    assert (first.status_code, first.json()["duplicate"]) == (200, False)
    assert (again.status_code, again.json()["duplicate"]) == (200, True)
    messages = httpx.get(f"{url}/messages").json()
    assert [(m["webhook_id"], m["copies"]) for m in messages] == [("msg_good", 2)]
    assert messages[0]["payload"]["data"]["object_id"] == "x"


def test_sweeper_resends_a_delivery_whose_job_was_lost(
    client: TestClient, db: Session, tmp_path: Path
) -> None:
    _, cccd = issue_notice(client, serial=7302, plate="51G73020")
    port = free_port()
    secret = webhook_device(client, cccd, port)
    run_due_jobs(only={"penalties.deliver_notice", "citizen_app.notify"})
    db.rollback()
    delivery_id = db.scalars(select(Delivery.id)).one()
    db.execute(delete(Job).where(Job.name == "citizen_app.send_delivery"))  # the message is lost
    db.execute(update(Delivery).values(next_attempt_at=utc_now() - timedelta(hours=2)))
    db.commit()
    enqueue(db, "citizen_app.sweep_deliveries", {"at": utc_now().isoformat()})
    db.commit()
    with serve(create_receiver_app(secret, tmp_path / "r.sqlite"), port) as url:
        ran = run_due_jobs()
        messages = httpx.get(f"{url}/messages").json()
    # (the notice's privacy-copies job may run too; it is not part of delivery)
    assert [n for n in ran if n.startswith("citizen_app.")] == [
        "citizen_app.sweep_deliveries",
        "citizen_app.send_delivery",
    ]
    assert [m["webhook_id"] for m in messages] == [delivery_id]


def test_unreceived_notices_are_flagged_for_post(client: TestClient, db: Session) -> None:
    late, _ = issue_notice(client, serial=7303, plate="51G73030")
    received, _ = issue_notice(client, serial=7304, plate="51G73040")
    recent, _ = issue_notice(client, serial=7305, plate="51G73050")
    run_due_jobs()  # published; none of these citizens has a device
    db.rollback()
    six_days_ago = utc_now() - timedelta(days=6)
    for notice_id in (late, received):
        db.execute(update(Notice).where(Notice.id == uuid.UUID(notice_id)).values(issued_at=six_days_ago))
    db.execute(update(Notice).where(Notice.id == uuid.UUID(received)).values(received_at=utc_now()))
    db.execute(
        update(Notice).where(Notice.id == uuid.UUID(recent)).values(issued_at=utc_now() - timedelta(days=2))
    )
    db.commit()
    for _ in range(2):  # a second run flags nothing twice
        job = enqueue(db, "citizen_app.flag_postal", {"at": utc_now().isoformat()})
        db.commit()
        assert execute(str(job.id)) == "done"
    db.rollback()
    assert [str(f.notice_id) for f in db.scalars(select(PostalFlag))] == [late]
    assert db.scalars(
        select(AuditEntry.object_id).where(AuditEntry.action == "notice.postal_flag")
    ).all() == [late]
    db.rollback()
    supervisor = staff_headers(Role.supervisor)
    page = client.get("/api/deliveries/postal", headers=supervisor).json()
    number = db.get(Notice, uuid.UUID(late)).number  # type: ignore[union-attr]
    assert page["total"] == 1 and [(i["notice_id"], i["notice_number"]) for i in page["items"]] == [
        (late, number)
    ]
    assert client.get("/api/deliveries/postal?page=2&size=1", headers=supervisor).json()["items"] == []
    assert client.get("/api/deliveries/postal", headers=staff_headers(Role.reviewer)).status_code == 403
