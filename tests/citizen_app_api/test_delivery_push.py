"""Web Push over real HTTP to a stand-in push service: VAPID-signed and encrypted; 201 → sent until the
app confirms receipt; 410 → the subscription is disabled with its pending deliveries."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from citizen_app_api.delivery.models import Delivery, DeliveryAttempt, DeliveryStatus, Endpoint
from core.config import reset_settings
from penalties.notices.models import Notice
from tests.support.delivery import (
    PushService,
    browser_keys,
    issue_notice,
    run_due_jobs,
    serve,
    wait_for_due_retry,
)
from tests.support.factories import citizen_token


@pytest.fixture
def push_service(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[PushService, str]]:
    monkeypatch.setenv("TVP_VAPID_PRIVATE_KEY_FILE", str(tmp_path / "vapid.pem"))
    monkeypatch.setenv("TVP_DELIVERY_BACKOFF_BASE_S", "0.05")
    monkeypatch.setenv("TVP_DELIVERY_BACKOFF_CAP_S", "0.2")
    reset_settings()
    service = PushService(answers={"gone": 410})
    with serve(service.app()) as url:
        yield service, url
    monkeypatch.undo()
    reset_settings()


def subscribe(client: TestClient, headers: dict[str, str], url: str) -> dict:
    body = {"kind": "webpush", "url": url, "keys": browser_keys(), "label": "Firefox"}
    made = client.post("/api/citizen/v1/devices", json=body, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["secret"] is None
    return dict(made.json())


def test_push_is_vapid_signed_encrypted_and_confirmed_by_the_app(
    client: TestClient, db: Session, push_service: tuple[PushService, str]
) -> None:
    service, url = push_service
    notice_id, cccd = issue_notice(client, serial=7201, plate="51G72010")
    headers = {"Authorization": f"Bearer {citizen_token(client, cccd)}"}
    subscribe(client, headers, f"{url}/push/browser-1")
    run_due_jobs()
    push = service.received[0]
    vapid = client.get("/api/citizen/v1/push/vapid-public-key").json()["public_key"]
    assert push["headers"]["authorization"].startswith("vapid t=")
    assert f"k={vapid}" in push["headers"]["authorization"]
    assert push["headers"]["content-encoding"] == "aes128gcm"
    assert notice_id.encode() not in push["body"]  # encrypted for the browser only
    db.rollback()
    delivery = db.scalars(select(Delivery)).one()
    assert delivery.status is DeliveryStatus.sent and delivery.sent_at is not None
    notice = db.get(Notice, uuid.UUID(notice_id))
    assert notice is not None and notice.received_at is None  # a push service's 201 is not a receipt
    # No receipt yet: pushed again after the backoff, under the same Topic (it replaces an unread one).
    pushed = len(service.received)
    wait_for_due_retry(delivery.id)
    run_due_jobs()
    assert len(service.received) > pushed
    assert {p["headers"]["topic"] for p in service.received} == {push["headers"]["topic"]} != {""}
    db.rollback()

    other = issue_notice(client, serial=7202, plate="51G72020")[1]
    stranger = {"Authorization": f"Bearer {citizen_token(client, other)}"}
    path = f"/api/citizen/v1/deliveries/{delivery.id}/receipt"
    assert client.post(path, headers=stranger).status_code == 404
    receipt = client.post(path, headers=headers)
    assert receipt.status_code == 200 and receipt.json()["status"] == "confirmed"
    db.rollback()
    notice = db.get(Notice, uuid.UUID(notice_id))
    assert notice is not None and notice.received_at is not None
    pushed = len(service.received)
    wait_for_due_retry(delivery.id)
    run_due_jobs()
    assert len(service.received) == pushed  # confirmed: no more pushes


def test_410_disables_the_subscription_and_its_pending_deliveries(
    client: TestClient, db: Session, push_service: tuple[PushService, str]
) -> None:
    service, url = push_service
    notice_id, cccd = issue_notice(client, serial=7203, plate="51G72030")
    headers = {"Authorization": f"Bearer {citizen_token(client, cccd)}"}
    gone = subscribe(client, headers, f"{url}/push/gone")
    live = subscribe(client, headers, f"{url}/push/alive")
    run_due_jobs()
    tokens = [p["token"] for p in service.received]
    assert tokens.count("gone") == 1 and "alive" in tokens  # "alive" is pushed again until its receipt
    db.rollback()
    endpoint = db.get(Endpoint, uuid.UUID(gone["id"]))
    assert endpoint is not None and endpoint.disabled_at is not None
    assert endpoint.disabled_reason == "gone: HTTP 410"
    dead = db.scalars(select(Delivery).where(Delivery.endpoint_id == endpoint.id)).one()
    assert dead.status is DeliveryStatus.disabled
    assert db.scalars(
        select(DeliveryAttempt.http_status).where(DeliveryAttempt.delivery_id == dead.id)
    ).all() == [410]
    listed = {d["id"]: d for d in client.get("/api/citizen/v1/devices", headers=headers).json()}
    assert listed[gone["id"]]["disabled_reason"] == "gone: HTTP 410"
    assert listed[live["id"]]["disabled_at"] is None

    # The next event goes to the live subscription only.
    from citizen_app_api.delivery.service import fan_out

    db.rollback()  # a fresh snapshot before writing (SQLite)
    made = fan_out(db, cccd, "notice.cancelled", notice_id)
    db.commit()
    assert [d.endpoint_id for d in made] == [uuid.UUID(live["id"])]
    run_due_jobs()
    assert [p["token"] for p in service.received].count("gone") == 1
