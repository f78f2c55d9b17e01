"""How a delivery reaches an endpoint: one small base class, one channel per endpoint kind, and a fake.

A channel only talks to the outside world and reports what happened (``SendResult``); the outbox rows
are updated by ``service.record_attempt``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx
from standardwebhooks import Webhook

from citizen_app_api.delivery.addresses import public_host
from citizen_app_api.delivery.models import Delivery, Endpoint
from citizen_app_api.delivery.vapid import vapid_key
from core.backends import Backend
from core.config import Environment, get_settings
from core.time import utc_now


@dataclass(frozen=True)
class SendResult:
    http_status: int | None  # None: no answer (refused, timed out, malformed subscription…)
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.http_status is not None and 200 <= self.http_status < 300

    @property
    def gone(self) -> bool:
        """The endpoint no longer exists: stop using it."""
        return self.http_status in (404, 410)


def encode_body(payload: dict[str, Any]) -> str:
    """The exact body sent (and signed): the same bytes on every retry."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class Channel(Backend):
    registry: ClassVar[dict[str, type[Channel]]] = {}

    def send(self, endpoint: Endpoint, delivery: Delivery) -> SendResult:
        raise NotImplementedError


def _elapsed_ms(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)


class WebhookChannel(Channel):
    """POST {type, timestamp, data} signed per Standard Webhooks (webhook-id/-timestamp/-signature)."""

    name = "webhook"

    def send(self, endpoint: Endpoint, delivery: Delivery) -> SendResult:
        assert endpoint.secret is not None
        body = encode_body(delivery.payload)
        now = utc_now()
        headers = {
            "content-type": "application/json",
            "webhook-id": delivery.id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(endpoint.secret).sign(delivery.id, now, body),
        }
        start = time.perf_counter()
        host = urlsplit(endpoint.url).hostname or ""
        if get_settings().env is Environment.production and not public_host(host):
            # Checked again at each send: the name may resolve elsewhere than at registration.
            return SendResult(None, "refused: the endpoint's host is not a public address", 0)
        try:
            response = httpx.post(
                endpoint.url,
                content=body.encode(),
                headers=headers,
                timeout=get_settings().delivery_timeout_s,
                follow_redirects=False,
            )
        except httpx.HTTPError as exc:
            return SendResult(None, f"{type(exc).__name__}: {exc}"[:500], _elapsed_ms(start))
        error = None if response.is_success else response.text[:500]
        return SendResult(response.status_code, error, _elapsed_ms(start))


class WebPushChannel(Channel):
    """Web Push (RFC 8030) with VAPID (RFC 8292); the payload is encrypted for the browser (aes128gcm)."""

    name = "webpush"

    def send(self, endpoint: Endpoint, delivery: Delivery) -> SendResult:
        import requests
        from pywebpush import WebPushException, webpush

        settings = get_settings()
        subscription = {"endpoint": endpoint.url, "keys": {"p256dh": endpoint.p256dh, "auth": endpoint.auth}}
        start = time.perf_counter()
        try:
            response = webpush(
                subscription_info=subscription,
                data=encode_body(delivery.payload),
                vapid_private_key=vapid_key(),
                vapid_claims={"sub": settings.vapid_subject},
                timeout=settings.delivery_timeout_s,
                ttl=24 * 3600,
                headers={"Topic": delivery.id[-32:]},  # a newer push with this topic replaces an unread one
            )
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else None
            return SendResult(status, str(exc)[:500], _elapsed_ms(start))
        except (requests.RequestException, ValueError) as exc:
            return SendResult(None, f"{type(exc).__name__}: {exc}"[:500], _elapsed_ms(start))
        assert not isinstance(response, str)
        return SendResult(response.status_code, None, _elapsed_ms(start))


@dataclass
class FakeChannel(Channel):
    """For tests: answers from a script of statuses (then 200) and records what it was asked to send."""

    name = "fake"
    script: list[int | None] = field(default_factory=list)
    sent: list[tuple[str, str]] = field(default_factory=list)  # (webhook-id, endpoint url)

    def send(self, endpoint: Endpoint, delivery: Delivery) -> SendResult:
        self.sent.append((delivery.id, endpoint.url))
        status = self.script.pop(0) if self.script else 200
        return SendResult(status, None if status else "ConnectError: refused", 1)


def channel_for(endpoint: Endpoint) -> Channel:
    return Channel.by_name(endpoint.kind.value)()
