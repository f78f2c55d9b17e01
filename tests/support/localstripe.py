"""localstripe for the Stripe tests: one subprocess on 127.0.0.1, webhook registration, Stripe-Signature
headers built the way Stripe builds them, `tvp serve` paying through it, the card payment Stripe.js would
make, and events delivered by hand. localstripe is GPL and used by tests only."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support.delivery import free_port

ROOT = Path(__file__).resolve().parents[2]
RUNNER = "tests.support.run_localstripe"  # run with -m: its own folder must not shadow the package
TEST_KEY = "sk_test_localstripe"


@contextmanager
def run_localstripe() -> Iterator[str]:
    """Start localstripe in a subprocess; yields its base URL; kills it at the end."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", RUNNER, str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, url)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(process: subprocess.Popen[bytes], url: str) -> None:
    for _ in range(600):  # a bound against hanging, not a timing assertion
        if process.poll() is not None:
            raise RuntimeError(f"localstripe exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/v1/balance", auth=(TEST_KEY, ""), timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError("localstripe did not answer")


def register_webhook(base_url: str, hook_id: str, url: str, secret: str) -> None:
    response = httpx.post(f"{base_url}/_config/webhooks/{hook_id}", data={"url": url, "secret": secret})
    response.raise_for_status()


def signature_header(body: bytes, secret: str, timestamp: int, *extra_v1: str) -> str:
    """``t=…,v1=…`` as Stripe signs: HMAC-SHA256(secret, f"{t}.{body}"), then any extra v1 values."""
    v1 = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return ",".join([f"t={timestamp}", *(f"v1={s}" for s in extra_v1), f"v1={v1}"])


@contextmanager
def tvp_serve_paying_with_stripe(database_url: str, localstripe: str, webhook_secret: str) -> Iterator[str]:
    """`tvp serve` (a process; its in-process worker settles payments) with TVP_PAYMENT_GATEWAY=stripe
    against localstripe, registered there as the webhook endpoint; yields its base URL."""
    from tests.support.citizen_app import citizen_app_server

    with citizen_app_server(
        database_url,
        TVP_PAYMENT_GATEWAY="stripe",
        TVP_STRIPE_API_BASE=localstripe,
        TVP_STRIPE_SECRET_KEY=TEST_KEY,
        TVP_STRIPE_WEBHOOK_SECRET=webhook_secret,
    ) as base:
        register_webhook(localstripe, "tvp", f"{base}/api/payments/stripe/webhook", webhook_secret)
        yield base


def pay_with_card(localstripe: str, intent_id: str, card: str = "pm_card_visa") -> str:
    """What Stripe.js does in the citizen's app with the client secret: attach the card to the intent and
    confirm it; the intent's status after (localstripe then sends the webhook)."""
    from payments.gateways.stripe import StripeGateway

    attached = httpx.post(
        f"{localstripe}/v1/payment_intents/{intent_id}", data={"payment_method": card}, auth=(TEST_KEY, "")
    )
    attached.raise_for_status()
    gateway = StripeGateway(TEST_KEY, "whsec_unused", api_base=localstripe)
    report = gateway.confirm(intent_id, idempotency_key=f"app:{intent_id}:{card}")
    return str(report.raw["status"])


def delivered_events(localstripe: str, kind: str, intent_id: str) -> list[dict[str, Any]]:
    """The ``kind`` events localstripe made for this intent (what Stripe would redeliver)."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"type": kind, "limit": 100}
    while True:
        page = httpx.get(f"{localstripe}/v1/events", params=params, auth=(TEST_KEY, "")).json()
        found += [e for e in page["data"] if e["data"]["object"].get("id") == intent_id]
        if not page.get("has_more") or not page["data"]:
            return found
        params["starting_after"] = page["data"][-1]["id"]


def post_event(
    tvp: str, event: dict[str, Any], secret: str, *, signed_at: int | None = None
) -> httpx.Response:
    """Deliver ``event`` to tvp's webhook as Stripe does: raw JSON body, Stripe-Signature over it."""
    body = json.dumps(event).encode()
    header = signature_header(body, secret, int(time.time()) if signed_at is None else signed_at)
    return httpx.post(
        f"{tvp}/api/payments/stripe/webhook",
        content=body,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
        timeout=30,
    )


def intent_event(
    kind: str, intent_id: str, amount: int, *, event_id: str = "", currency: str = "vnd", **obj: Any
) -> dict[str, Any]:
    """A Stripe event about a PaymentIntent (or, with ``payment_intent=``, a charge), as Stripe sends it."""
    data = {"id": intent_id, "object": "payment_intent", "amount": amount, "currency": currency, **obj}
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {"object": data},
    }
