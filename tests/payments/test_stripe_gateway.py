"""The Stripe adapter over real HTTP against localstripe (one subprocess for the module), and respx only
for what localstripe cannot produce: 429, 5xx then success, Stripe-Should-Retry, idempotency replay.

localstripe ignores Idempotency-Key (the same key twice makes two PaymentIntents, shown below), so
nothing here relies on the gateway to deduplicate: the adapter sends a stable key on every POST, and
exactly-once is the payments service's job (unique keys and constraints in our database)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI, Request, Response

from core.time import vn_today
from payments.gateways.base import (
    CallbackEvent,
    CreateRequest,
    Gateway,
    GatewayError,
    Outcome,
    SignatureInvalid,
)
from payments.gateways.stripe import (
    CardDeclined,
    StripeGateway,
    StripeRefused,
    UnsupportedEvent,
    derived_key,
    vn_day_bounds,
)
from tests.support.delivery import serve
from tests.support.localstripe import TEST_KEY, register_webhook, run_localstripe, signature_header

SECRET = "whsec_" + uuid.uuid4().hex
API = "https://stripe.test"


def request(amount: int = 150_000, key: str | None = None, reference: str | None = None) -> CreateRequest:
    return CreateRequest(
        idempotency_key=key or str(uuid.uuid4()),
        reference=reference or f"PAY-{uuid.uuid4().hex[:10]}",
        amount_vnd=amount,
        description="Nộp phạt quyết định QD-1 / Fine for decision QD-1",
        return_url="http://127.0.0.1:8000/citizen/payments/return",
    )


class Receiver:
    """Our webhook endpoint on a real uvicorn server: verify_callback, 400 on a bad signature."""

    def __init__(self, gateway: StripeGateway):
        self.gateway = gateway
        self.events: list[CallbackEvent] = []
        self.rejected: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/stripe/webhook")
        async def webhook(request: Request) -> Response:
            body = await request.body()
            try:
                event = self.gateway.verify_callback(request.headers, body, request.query_params)
            except SignatureInvalid as exc:
                with self.lock:
                    self.rejected.append((json.loads(body)["id"], str(exc)))
                return Response(status_code=400)
            except UnsupportedEvent:
                return Response(status_code=204)
            with self.lock:
                self.events.append(event)
            return Response(status_code=204)

        return app

    def wait_for(self, kind: str, gateway_ref: str) -> CallbackEvent:
        for _ in range(400):  # localstripe sends after ~1 s; the bound only stops a hang
            with self.lock:
                found = [e for e in self.events if e.raw["type"] == kind and e.gateway_ref == gateway_ref]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no verified {kind} for {gateway_ref}")

    def wait_rejected(self, event_id: str) -> str:
        for _ in range(400):
            with self.lock:
                found = [why for rejected_id, why in self.rejected if rejected_id == event_id]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"{event_id} was never rejected")


@pytest.fixture(scope="module")
def localstripe() -> Iterator[str]:
    with run_localstripe() as url:
        yield url


@pytest.fixture(scope="module")
def gateway(localstripe: str) -> StripeGateway:
    return StripeGateway(TEST_KEY, SECRET, api_base=localstripe)


@pytest.fixture(scope="module")
def receiver(localstripe: str, gateway: StripeGateway) -> Iterator[Receiver]:
    receiver = Receiver(gateway)
    with serve(receiver.app()) as base:
        register_webhook(localstripe, "tvp", f"{base}/stripe/webhook", SECRET)
        register_webhook(localstripe, "forger", f"{base}/stripe/webhook", "whsec_not_ours")
        yield receiver


def paid(gateway: StripeGateway, amount: int = 150_000) -> tuple[str, CreateRequest]:
    req = request(amount)
    intent = gateway.create_intent(req, payment_method="pm_card_visa")
    report = gateway.confirm(intent["id"], idempotency_key=req.idempotency_key)
    assert report.outcome is Outcome.succeeded
    return intent["id"], req


# --- over real HTTP, against localstripe ---------------------------------------------------------


def test_registered_by_name() -> None:
    assert Gateway.by_name("stripe") is StripeGateway


def test_create_then_confirm_with_a_visa_card_succeeds(gateway: StripeGateway) -> None:
    req = request(235_000)
    created = gateway.create(req)
    assert created.gateway_ref.startswith("pi_") and created.client_secret and created.redirect_url is None
    pending = gateway.query(created.gateway_ref, req.reference)
    assert (pending.outcome, pending.amount_vnd) == (Outcome.pending, 235_000)
    assert pending.raw["currency"] == "vnd" and pending.raw["metadata"]["reference"] == req.reference

    intent = gateway.create_intent(req, payment_method="pm_card_visa")
    assert intent["status"] == "requires_confirmation"
    report = gateway.confirm(intent["id"], idempotency_key=req.idempotency_key)
    assert (report.gateway_ref, report.outcome, report.amount_vnd) == (
        intent["id"],
        Outcome.succeeded,
        235_000,
    )
    assert gateway.query(intent["id"], req.reference).outcome is Outcome.succeeded


def test_query_refuses_an_intent_of_another_reference(gateway: StripeGateway) -> None:
    created = gateway.create(request())
    with pytest.raises(GatewayError, match="belongs to"):
        gateway.query(created.gateway_ref, "PAY-someone-else")


def test_a_declined_card_is_a_failed_outcome_not_an_exception(gateway: StripeGateway) -> None:
    req = request()
    intent = gateway.create_intent(req, payment_method="pm_card_chargeCustomerFail")
    report = gateway.confirm(intent["id"], idempotency_key=req.idempotency_key)
    assert report.outcome is Outcome.failed
    assert report.raw["last_payment_error"]["code"] == "card_declined"
    assert gateway.query(intent["id"], req.reference).outcome is Outcome.failed


def test_cancel(gateway: StripeGateway) -> None:
    req = request()
    created = gateway.create(req)
    assert (
        gateway.cancel(created.gateway_ref, idempotency_key=req.idempotency_key).outcome is Outcome.canceled
    )


def test_refund_partial_then_the_rest(gateway: StripeGateway) -> None:
    intent_id, req = paid(gateway, 300_000)
    partial = gateway.refund(
        intent_id, 100_000, idempotency_key=f"{req.idempotency_key}-r1", reason="amended"
    )
    assert partial.refund_ref.startswith("re_") and partial.amount_vnd == 100_000
    assert partial.outcome is Outcome.refunded
    rest = gateway.refund(intent_id, 200_000, idempotency_key=f"{req.idempotency_key}-r2", reason="annulled")
    assert rest.amount_vnd == 200_000 and rest.refund_ref != partial.refund_ref
    refunds = httpx.get(
        f"{gateway.client.base_url}/v1/refunds", params={"payment_intent": intent_id}, auth=(TEST_KEY, "")
    ).json()["data"]
    assert sorted(r["amount"] for r in refunds) == [100_000, 200_000]


def test_a_full_refund_and_a_refused_over_refund(gateway: StripeGateway) -> None:
    intent_id, req = paid(gateway, 90_000)
    full = gateway.refund(intent_id, 90_000, idempotency_key=req.idempotency_key, reason="paid twice")
    assert (full.amount_vnd, full.outcome) == (90_000, Outcome.refunded)
    failed = gateway.create_intent(request(), payment_method="pm_card_chargeCustomerFail")
    gateway.confirm(failed["id"], idempotency_key="k")
    with pytest.raises(StripeRefused) as refused:
        gateway.refund(failed["id"], 1000, idempotency_key="k", reason="no")
    assert refused.value.status == 400 and not isinstance(refused.value, CardDeclined)


def test_settlement_lists_the_days_charges_and_refunds(gateway: StripeGateway) -> None:
    before = vn_today()
    intent_id, req = paid(gateway, 120_000)
    gateway.refund(intent_id, 20_000, idempotency_key=req.idempotency_key, reason="amended")
    days = {before, vn_today()}  # the VN midnight may pass during the test
    lines = [line for day in days for line in gateway.settlement(day) if line.gateway_ref == intent_id]
    assert sorted((line.outcome, line.amount_vnd) for line in lines) == [
        (Outcome.refunded, 20_000),
        (Outcome.succeeded, 120_000),
    ]
    charge = next(line for line in lines if line.outcome is Outcome.succeeded)
    assert charge.reference in (None, req.reference) and charge.settled_on in days
    yesterday = date.fromordinal(min(days).toordinal() - 1)
    assert all(line.gateway_ref != intent_id for line in gateway.settlement(yesterday))


def test_settlement_pages_through_starting_after(
    gateway: StripeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = vn_today()
    mine = {paid(gateway, 10_000)[0] for _ in range(3)}
    days = sorted({before, vn_today()})
    in_one_page = [line for day in days for line in gateway.settlement(day)]
    calls: list[httpx.Request] = []
    gateway.client.event_hooks["request"].append(calls.append)
    monkeypatch.setattr("payments.gateways.stripe.PAGE_SIZE", 2)
    try:
        paged = [line for day in days for line in gateway.settlement(day)]
    finally:
        gateway.client.event_hooks["request"].remove(calls.append)
    assert len(calls) >= 3 and all("starting_after" in c.url.params for c in calls[1:2])
    assert paged == in_one_page and mine <= {line.gateway_ref for line in paged}


def test_localstripe_ignores_idempotency_keys_so_we_do_not_rely_on_them(gateway: StripeGateway) -> None:
    req = request()
    first, second = gateway.create(req), gateway.create(req)  # the same key twice
    assert first.gateway_ref != second.gateway_ref  # real Stripe would replay; the payments service dedupes


def test_webhooks_from_localstripe_are_verified(gateway: StripeGateway, receiver: Receiver) -> None:
    intent_id, req = paid(gateway, 175_000)
    event = receiver.wait_for("payment_intent.succeeded", intent_id)
    assert event.event_id.startswith("evt_") and event.outcome is Outcome.succeeded
    assert (event.amount_vnd, event.currency, event.reference) == (175_000, "vnd", req.reference)
    assert event.occurred_at is not None and event.occurred_at.tzinfo is not None

    declined = gateway.create_intent(request(), payment_method="pm_card_chargeCustomerFail")
    gateway.confirm(declined["id"], idempotency_key="declined")
    failed = receiver.wait_for("payment_intent.payment_failed", declined["id"])
    assert failed.outcome is Outcome.failed and failed.event_id != event.event_id


def test_webhooks_signed_with_another_secret_are_rejected(gateway: StripeGateway, receiver: Receiver) -> None:
    intent_id, _ = paid(gateway)
    event = receiver.wait_for("payment_intent.succeeded", intent_id)
    # localstripe delivers the same event to the "forger" hook, signed with another secret: refused
    assert receiver.wait_rejected(event.event_id) == "no v1 signature matches"
    assert sum(e.event_id == event.event_id for e in receiver.events) == 1


# --- webhook signatures (signed here, as Stripe signs) -------------------------------------------


def event_body(kind: str = "payment_intent.succeeded", **obj: Any) -> bytes:
    data = {"id": "pi_123", "amount": 150_000, "currency": "vnd", "metadata": {"reference": "PAY-1"}}
    event = {"id": "evt_1", "type": kind, "created": int(time.time()), "data": {"object": {**data, **obj}}}
    return json.dumps(event).encode()


def offline(clock: float | None = None) -> StripeGateway:
    return StripeGateway(TEST_KEY, SECRET, api_base=API, clock=(lambda: clock) if clock else time.time)


def verify(gateway: StripeGateway, body: bytes, header: str) -> CallbackEvent:
    return gateway.verify_callback({"Stripe-Signature": header}, body, {})


@pytest.mark.parametrize(
    ("kind", "outcome"),
    [
        ("payment_intent.succeeded", Outcome.succeeded),
        ("payment_intent.payment_failed", Outcome.failed),
        ("payment_intent.canceled", Outcome.canceled),
    ],
)
def test_payment_intent_events_are_parsed(kind: str, outcome: Outcome) -> None:
    now = int(time.time())
    body = event_body(kind)
    event = verify(offline(), body, signature_header(body, SECRET, now))
    assert (event.event_id, event.gateway_ref, event.reference) == ("evt_1", "pi_123", "PAY-1")
    assert (event.outcome, event.amount_vnd, event.currency) == (outcome, 150_000, "vnd")


def test_charge_refunded_is_parsed_by_its_payment_intent() -> None:
    body = event_body("charge.refunded", id="ch_1", payment_intent="pi_9", amount_refunded=50_000)
    event = verify(offline(), body, signature_header(body, SECRET, int(time.time())))
    assert (event.gateway_ref, event.outcome, event.amount_vnd) == ("pi_9", Outcome.refunded, 50_000)


def test_several_v1_signatures_one_of_them_ours() -> None:
    body = event_body()
    header = signature_header(body, SECRET, int(time.time()), "0" * 64)
    assert verify(offline(), body, header).event_id == "evt_1"


@pytest.mark.parametrize(
    "header",
    [
        "",
        "t=123",
        "v1=abc",
        "t=abc,v1=" + "0" * 64,
    ],
)
def test_malformed_signature_headers_are_rejected(header: str) -> None:
    with pytest.raises(SignatureInvalid):
        verify(offline(), event_body(), header)


def test_forged_and_tampered_bodies_are_rejected() -> None:
    body = event_body()
    now = int(time.time())
    with pytest.raises(SignatureInvalid):
        verify(offline(), body, signature_header(body, "whsec_forger", now))
    tampered = body.replace(b"150000", b"1500")
    with pytest.raises(SignatureInvalid):
        verify(offline(), tampered, signature_header(body, SECRET, now))
    with pytest.raises(SignatureInvalid):
        offline().verify_callback({}, body, {})


def test_the_300_second_tolerance() -> None:
    body = event_body()
    signed_at = 1_800_000_000
    header = signature_header(body, SECRET, signed_at)
    assert verify(offline(signed_at + 300), body, header).event_id == "evt_1"
    assert verify(offline(signed_at - 300), body, header).event_id == "evt_1"
    with pytest.raises(SignatureInvalid, match="tolerance"):
        verify(offline(signed_at + 301), body, header)  # a replayed old delivery
    with pytest.raises(SignatureInvalid, match="tolerance"):
        verify(offline(signed_at - 301), body, header)


def test_events_payments_do_not_act_on() -> None:
    body = event_body("customer.created", id="cus_1")
    with pytest.raises(UnsupportedEvent):
        verify(offline(), body, signature_header(body, SECRET, int(time.time())))


# --- respx: what localstripe cannot produce ------------------------------------------------------


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def mocked(sleeps: Sleeps | None = None, **kwargs: Any) -> StripeGateway:
    return StripeGateway(
        TEST_KEY, SECRET, api_base=API, sleep=Sleeps() if sleeps is None else sleeps, **kwargs
    )


INTENT = {
    "id": "pi_1",
    "object": "payment_intent",
    "amount": 150_000,
    "currency": "vnd",
    "status": "succeeded",
}


@respx.mock
def test_every_post_carries_an_idempotency_key() -> None:
    posts = respx.post(url__startswith=f"{API}/v1/payment_intents").mock(
        return_value=httpx.Response(200, json=INTENT)
    )
    refunds = respx.post(f"{API}/v1/refunds").mock(
        return_value=httpx.Response(200, json={"id": "re_1", "amount": 1000, "status": "succeeded"})
    )
    gateway, req = mocked(), request(key="attempt-42")
    gateway.create(req)
    gateway.confirm("pi_1", idempotency_key=req.idempotency_key)
    gateway.cancel("pi_1", idempotency_key=req.idempotency_key)
    gateway.refund("pi_1", 1000, idempotency_key=req.idempotency_key, reason="amended")
    sent = [call.request for call in respx.calls]
    assert len(sent) == 4 and posts.call_count == 3 and refunds.call_count == 1
    assert [r.headers["Idempotency-Key"] for r in sent] == [
        "attempt-42",
        "attempt-42:confirm",
        "attempt-42:cancel",
        "attempt-42:refund",
    ]
    form = dict(httpx.QueryParams(sent[0].content.decode()))
    assert form == {
        "amount": "150000",
        "currency": "vnd",
        "metadata[reference]": req.reference,
        "metadata[description]": req.description,
    }
    assert sent[0].headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent[0].headers["Authorization"].startswith("Basic ")


def test_derived_keys_are_stable_and_fit_stripes_limit() -> None:
    assert derived_key("k", "refund") == derived_key("k", "refund") != derived_key("k", "confirm")
    long = derived_key("x" * 300, "refund")
    assert len(long) <= 255 and long == derived_key("x" * 300, "refund")


@respx.mock
def test_429_and_5xx_are_retried_with_the_same_key_then_succeed() -> None:
    route = respx.post(f"{API}/v1/payment_intents").mock(
        side_effect=[
            httpx.Response(429, json={"error": {"message": "rate limited"}}),
            httpx.Response(500, json={"error": {"message": "boom"}}),
            httpx.ConnectTimeout("slow"),
            httpx.Response(200, json={**INTENT, "status": "requires_payment_method", "client_secret": "s"}),
        ]
    )
    sleeps = Sleeps()
    created = mocked(sleeps).create(request(key="same"))
    assert created.gateway_ref == "pi_1" and route.call_count == 4
    assert {call.request.headers["Idempotency-Key"] for call in route.calls} == {"same"}
    assert len(sleeps) == 3 and all(0 < s <= 5.0 for s in sleeps)
    assert sleeps[2] > sleeps[0]  # backoff grows (jitter keeps each within [½, 1] of its step)


@respx.mock
def test_stripe_should_retry_false_stops_retrying() -> None:
    route = respx.post(f"{API}/v1/payment_intents").mock(
        return_value=httpx.Response(503, headers={"Stripe-Should-Retry": "false"}, json={"error": {}})
    )
    with pytest.raises(StripeRefused):
        mocked().create(request())
    assert route.call_count == 1


@respx.mock
def test_stripe_should_retry_true_retries_a_4xx() -> None:
    route = respx.post(f"{API}/v1/payment_intents").mock(
        side_effect=[
            httpx.Response(400, headers={"Stripe-Should-Retry": "true"}, json={"error": {}}),
            httpx.Response(200, json={**INTENT, "client_secret": "s"}),
        ]
    )
    assert mocked().create(request()).gateway_ref == "pi_1" and route.call_count == 2


@respx.mock
def test_a_gateway_down_is_a_gateway_error_after_a_few_tries() -> None:
    route = respx.get(f"{API}/v1/payment_intents/pi_1").mock(
        return_value=httpx.Response(502, text="bad gateway")
    )
    sleeps = Sleeps()
    with pytest.raises(GatewayError, match="after 4 attempts") as error:
        mocked(sleeps).query("pi_1", "PAY-1")
    assert route.call_count == 4 and len(sleeps) == 3 and not isinstance(error.value, StripeRefused)


@respx.mock
def test_a_bad_request_is_not_retried() -> None:
    route = respx.post(f"{API}/v1/payment_intents").mock(
        return_value=httpx.Response(400, json={"error": {"type": "invalid_request_error", "message": "nope"}})
    )
    with pytest.raises(StripeRefused, match="nope") as refused:
        mocked().create(request())
    assert route.call_count == 1 and refused.value.status == 400


@respx.mock
def test_idempotency_replay_returns_the_first_answer() -> None:
    """Stripe stores the first answer per key and replays it; a lost answer retried is the same intent."""
    answers: dict[str, httpx.Response] = {}
    made = iter(range(1, 100))

    def stripe(req: httpx.Request) -> httpx.Response:
        key = req.headers["Idempotency-Key"]
        if key not in answers:
            answers[key] = httpx.Response(
                200, json={**INTENT, "id": f"pi_{next(made)}", "client_secret": "s"}
            )
            if len(answers) == 1:
                raise httpx.ReadTimeout("answer lost after Stripe made the intent")
        return answers[key]

    respx.post(f"{API}/v1/payment_intents").mock(side_effect=stripe)
    gateway, req = mocked(), request(key="attempt-7")
    first = gateway.create(req)  # timeout, retried with the same key: replayed, not made twice
    again = gateway.create(req)  # a double submit by our side with the same attempt key
    other = gateway.create(request(key="attempt-8"))
    assert first.gateway_ref == again.gateway_ref == "pi_1" and other.gateway_ref == "pi_2"
    assert len(respx.calls) == 4


@respx.mock
def test_settlement_queries_the_vietnam_day_and_maps_lines() -> None:
    day = date(2026, 11, 28)
    start, end = vn_day_bounds(day)
    assert end - start == 86_400 and start == datetime(2026, 11, 27, 17, tzinfo=UTC).timestamp()
    charge = {
        "id": "txn_1",
        "type": "charge",
        "amount": 150_000,
        "created": start + 10,
        "available_on": start + 10,
        "source": {"id": "ch_1", "payment_intent": "pi_1", "metadata": {"reference": "PAY-1"}},
    }
    refund = {
        "id": "txn_2",
        "type": "refund",
        "amount": -50_000,
        "created": end - 1,
        "source": {"id": "re_1", "payment_intent": "pi_1", "metadata": {}},
    }
    payout = {"id": "txn_3", "type": "payout", "amount": -1_000_000, "created": end - 1, "source": "po_1"}
    route = respx.get(f"{API}/v1/balance_transactions").mock(
        side_effect=[
            httpx.Response(200, json={"data": [charge, payout], "has_more": True}),
            httpx.Response(200, json={"data": [refund], "has_more": False}),
        ]
    )
    lines = mocked().settlement(day)
    first, second = (call.request.url.params for call in route.calls)
    assert (first["created[gte]"], first["created[lt]"]) == (str(start), str(end))
    assert "starting_after" not in first and second["starting_after"] == "txn_3"
    assert first["expand[]"] == "data.source"
    assert [(x.gateway_ref, x.reference, x.amount_vnd, x.outcome, x.settled_on) for x in lines] == [
        ("pi_1", "PAY-1", 150_000, Outcome.succeeded, day),
        ("pi_1", None, 50_000, Outcome.refunded, day),
    ]
