"""Citizen-app delivery over real HTTP: a notice issued → a signed webhook to the tvp receiver; the
receiver down for a while → retried with backoff and delivered once; devices API; the backoff law."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_app_api.delivery.models import Delivery, DeliveryAttempt, DeliveryStatus, Endpoint
from citizen_app_api.delivery.receiver import create_receiver_app
from citizen_app_api.delivery.sending import backoff_delay
from core.config import reset_settings
from core.models import AuditEntry
from penalties.notices.models import Notice
from tests.support.delivery import free_port, issue_notice, run_due_jobs, serve, wait_for_due_retry
from tests.support.factories import citizen_token


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TVP_DELIVERY_BACKOFF_BASE_S", "0.05")
    monkeypatch.setenv("TVP_DELIVERY_BACKOFF_CAP_S", "0.2")
    monkeypatch.setenv("TVP_DELIVERY_TIMEOUT_S", "2")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()


def bearer(client: TestClient, cccd: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {citizen_token(client, cccd)}"}


def register_webhook(client: TestClient, headers: dict[str, str], url: str) -> dict:
    made = client.post("/api/citizen/v1/devices", json={"kind": "webhook", "url": url}, headers=headers)
    assert made.status_code == 201, made.text
    return dict(made.json())


def deliveries(db: Session) -> list[Delivery]:
    db.rollback()
    return list(db.scalars(select(Delivery).order_by(Delivery.created_at)))


def test_issued_notice_reaches_the_receiver_signed(client: TestClient, db: Session, tmp_path) -> None:
    notice_id, cccd = issue_notice(client, serial=7101, plate="51G71010")
    headers = bearer(client, cccd)
    port = free_port()
    device = register_webhook(client, headers, f"http://127.0.0.1:{port}/webhook")
    assert device["secret"].startswith("whsec_")
    receiver = create_receiver_app(device["secret"], tmp_path / "receiver.sqlite")
    with serve(receiver, port) as url:
        ran = run_due_jobs()
        messages = httpx.get(f"{url}/messages").json()
    assert {"penalties.deliver_notice", "citizen_app.notify", "citizen_app.send_delivery"} <= set(ran)
    # The receiver stores only what passed signature verification.
    assert len(messages) == 1
    message = messages[0]
    assert message["type"] == "notice.issued" and message["copies"] == 1
    assert message["webhook_id"].startswith("msg_")
    data = message["payload"]["data"]
    assert data["object_id"] == notice_id
    assert data["url"].endswith(f"/api/citizen/v1/notices/{notice_id}")
    assert data["title"]["vi"] and data["title"]["en"]
    assert cccd not in str(message["payload"])  # no personal data in the push
    [delivery] = deliveries(db)
    assert delivery.id == message["webhook_id"] and delivery.status is DeliveryStatus.confirmed
    attempts = db.scalars(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery.id)).all()
    assert [a.http_status for a in attempts] == [200]
    notice = db.get(Notice, uuid.UUID(notice_id))
    assert notice is not None and notice.received_at is not None
    assert "notice.receipt" in set(db.scalars(select(AuditEntry.action)))


def test_receiver_down_for_a_while_gets_it_once(client: TestClient, db: Session, tmp_path) -> None:
    notice_id, cccd = issue_notice(client, serial=7102, plate="51G71020")
    port = free_port()
    device = register_webhook(client, bearer(client, cccd), f"http://127.0.0.1:{port}/webhook")
    run_due_jobs()  # nothing listens on the port yet
    [delivery] = deliveries(db)
    while delivery.attempts < 3:
        assert delivery.status is DeliveryStatus.pending
        wait_for_due_retry(delivery.id)
        run_due_jobs()
        [delivery] = deliveries(db)
    receiver = create_receiver_app(device["secret"], tmp_path / "receiver.sqlite")
    with serve(receiver, port) as url:
        wait_for_due_retry(delivery.id)
        run_due_jobs()
        messages = httpx.get(f"{url}/messages").json()
    assert [(m["webhook_id"], m["copies"]) for m in messages] == [(delivery.id, 1)]
    [delivery] = deliveries(db)
    assert delivery.status is DeliveryStatus.confirmed and delivery.attempts >= 4
    attempts = db.scalars(
        select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery.id).order_by(DeliveryAttempt.at)
    ).all()
    assert [a.http_status for a in attempts][-1] == 200
    assert all(a.http_status is None and a.error for a in attempts[:-1])
    assert len(attempts) == delivery.attempts
    notice = db.get(Notice, uuid.UUID(notice_id))
    assert notice is not None and notice.received_at is not None


def test_devices_register_list_remove(client: TestClient, db: Session) -> None:
    _, cccd = issue_notice(client, serial=7103, plate="51G71030")
    _, other = issue_notice(client, serial=7104, plate="51G71040")
    mine, theirs = bearer(client, cccd), bearer(client, other)
    hook = register_webhook(client, mine, "https://app.example.vn/hooks/tvp")
    rejected = client.post(
        "/api/citizen/v1/devices", json={"kind": "webhook", "url": "http://app.example.vn/x"}, headers=mine
    )
    assert rejected.status_code == 422 and rejected.json()["error"] == "EndpointUrlRejected"
    no_keys = client.post(
        "/api/citizen/v1/devices", json={"kind": "webpush", "url": "https://push.example/x"}, headers=mine
    )
    assert no_keys.status_code == 422
    listed = client.get("/api/citizen/v1/devices", headers=mine).json()
    assert [d["id"] for d in listed] == [hook["id"]] and "secret" not in listed[0]
    assert client.get("/api/citizen/v1/devices", headers=theirs).json() == []
    assert client.delete(f"/api/citizen/v1/devices/{hook['id']}", headers=theirs).status_code == 404
    assert client.delete(f"/api/citizen/v1/devices/{hook['id']}", headers=mine).status_code == 204
    assert client.get("/api/citizen/v1/devices", headers=mine).json() == []
    assert client.delete(f"/api/citizen/v1/devices/{hook['id']}", headers=mine).status_code == 404
    assert client.get("/api/citizen/v1/devices").status_code == 401
    db.rollback()
    stored = db.get(Endpoint, uuid.UUID(hook["id"]))
    assert stored is not None and stored.disabled_at is not None and stored.secret is None


def test_fan_out_writes_one_delivery_per_active_endpoint_once(client: TestClient, db: Session) -> None:
    from citizen_app_api.delivery.service import fan_out

    notice_id, cccd = issue_notice(client, serial=7105, plate="51G71050")
    headers = bearer(client, cccd)
    register_webhook(client, headers, "https://a.example.vn/hook")
    register_webhook(client, headers, "https://b.example.vn/hook")
    gone = register_webhook(client, headers, "https://c.example.vn/hook")
    client.delete(f"/api/citizen/v1/devices/{gone['id']}", headers=headers)
    db.rollback()
    assert len(fan_out(db, cccd, "notice.issued", notice_id)) == 2
    assert fan_out(db, cccd, "notice.issued", notice_id) == []  # a repeated notify job
    db.commit()
    assert {d.status for d in deliveries(db)} == {DeliveryStatus.pending}


@pytest.mark.parametrize("attempts", [1, 2, 5, 30])
def test_backoff_is_full_jitter_under_an_exponential_cap(attempts: int) -> None:
    rng = random.Random(attempts)
    ceiling = min(600.0, 10.0 * 2 ** (attempts - 1))
    delays = [backoff_delay(attempts, base=10.0, cap=600.0, rng=rng) for _ in range(400)]
    assert all(0 <= d <= ceiling for d in delays)
    assert max(delays) > 0.8 * ceiling and min(delays) < 0.2 * ceiling  # spread over the whole range


def test_server_errors_are_retried_until_out_of_attempts(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from citizen_app_api.delivery.channels import Channel, FakeChannel

    monkeypatch.setenv("TVP_DELIVERY_MAX_ATTEMPTS", "3")
    reset_settings()
    fake = FakeChannel(script=[500, 503, None])
    monkeypatch.setitem(Channel.registry, "webhook", lambda: fake)
    notice_id, cccd = issue_notice(client, serial=7106, plate="51G71060")
    register_webhook(client, bearer(client, cccd), "https://app.example.vn/hook")
    run_due_jobs()
    [delivery] = deliveries(db)
    while delivery.status is DeliveryStatus.pending:
        wait_for_due_retry(delivery.id)
        run_due_jobs()
        [delivery] = deliveries(db)
    assert delivery.status is DeliveryStatus.failed and delivery.attempts == 3
    assert [webhook_id for webhook_id, _ in fake.sent] == [delivery.id] * 3  # the same id every time
    statuses = db.scalars(
        select(DeliveryAttempt.http_status)
        .where(DeliveryAttempt.delivery_id == delivery.id)
        .order_by(DeliveryAttempt.at)
    ).all()
    assert statuses == [500, 503, None]
    assert db.get(Notice, uuid.UUID(notice_id)).received_at is None  # type: ignore[union-attr]


def test_a_decision_delivered_to_the_app_starts_its_days_to_pay(
    client: TestClient, db: Session, tmp_path
) -> None:
    from datetime import timedelta

    from core.time import to_local, utc_now
    from penalties.decisions.models import Decision
    from penalties.decisions.service import issue_decision
    from tests.support.decisions import supervisor_id

    notice_id, cccd = issue_notice(client, serial=7111, plate="51G71110")
    port = free_port()
    device = register_webhook(client, bearer(client, cccd), f"http://127.0.0.1:{port}/webhook")
    with serve(create_receiver_app(device["secret"], tmp_path / "receiver.sqlite"), port) as url:
        run_due_jobs()  # the notice reaches the app
        db.rollback()
        decision = issue_decision(
            db, [uuid.UUID(notice_id)], issued_by=uuid.UUID(supervisor_id(db)), now=utc_now()
        )
        db.commit()
        assert decision.due_date is None  # not received yet: no days to pay running
        run_due_jobs()
        messages = httpx.get(f"{url}/messages").json()
    kinds = {m["type"]: m["payload"]["data"] for m in messages}
    assert kinds["decision.issued"]["url"].endswith(f"/api/citizen/v1/decisions/{decision.id}")
    assert kinds["points.changed"]["url"].endswith("/api/citizen/v1/points")
    db.expire_all()
    got = db.get(Decision, decision.id)
    assert got is not None and got.delivered_at is not None
    assert got.due_date == to_local(got.delivered_at).date() + timedelta(days=10)


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.5/hook",
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://localhost/hook",
        "http://93.184.216.34/hook",  # public, but not https
    ],
)
def test_production_refuses_endpoints_inside_our_network(url: str) -> None:
    from citizen_app_api.delivery.exceptions import EndpointUrlRejected
    from citizen_app_api.delivery.service import check_url

    with pytest.raises(EndpointUrlRejected):
        check_url(url, production=True)
    check_url("https://93.184.216.34/hook", production=True)  # a public address is fine


def test_a_citizen_keeps_at_most_ten_devices(client: TestClient, db: Session) -> None:
    from tests.support.factories import make_citizen

    me = make_citizen(db, serial=7121)
    db.commit()
    headers = bearer(client, me.cccd)
    for n in range(10):
        register_webhook(client, headers, f"http://127.0.0.1:{9000 + n}/webhook")
    refused = client.post(
        "/api/citizen/v1/devices", headers=headers, json={"kind": "webhook", "url": "http://127.0.0.1:9100/w"}
    )
    assert (refused.status_code, refused.json()["error"]) == (409, "TooManyEndpoints")
    first = client.get("/api/citizen/v1/devices", headers=headers).json()[0]["id"]
    assert client.delete(f"/api/citizen/v1/devices/{first}", headers=headers).status_code in (200, 204)
    register_webhook(client, headers, "http://127.0.0.1:9100/webhook")  # room again
