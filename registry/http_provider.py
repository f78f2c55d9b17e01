"""The registration service over HTTP: timeouts, retries with backoff, a circuit breaker and a short
cache. A failure never becomes an answer: the caller gets RegistryUnavailable and tries again later."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import cache
from typing import Any

import httpx
from sqlalchemy.orm import Session

from core.config import Settings
from registry.provider import OwnerRecord, RegistryProvider, RegistryUnavailable, VehicleRecord, plate_key


class CircuitBreaker:
    """Opens after ``failures`` consecutive failures; after ``cooldown_s`` one trial call may pass."""

    def __init__(self, failures: int, cooldown_s: float, clock: Callable[[], float] = time.monotonic):
        self.failures, self.cooldown_s, self.clock = failures, cooldown_s, clock
        self._count = 0
        self._opened_at: float | None = None
        self._lock = threading.Lock()

    @property
    def open(self) -> bool:
        with self._lock:
            if self._opened_at is None:
                return False
            if self.clock() - self._opened_at >= self.cooldown_s:
                self._opened_at = None  # half-open: let one call try
                self._count = self.failures - 1
                return False
            return True

    def success(self) -> None:
        with self._lock:
            self._count, self._opened_at = 0, None

    def failure(self) -> None:
        with self._lock:
            self._count += 1
            if self._count >= self.failures:
                self._opened_at = self.clock()


class HttpRegistryProvider(RegistryProvider):
    name = "http"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = 3.0,
        retries: int = 2,
        cache_s: float = 60.0,
        breaker: CircuitBreaker | None = None,
        backoff_s: float = 0.2,
        transport: httpx.BaseTransport | None = None,
    ):
        self.client = httpx.Client(
            base_url=base_url, headers={"X-Api-Key": api_key}, timeout=timeout_s, transport=transport
        )
        self.retries, self.cache_s, self.backoff_s = retries, cache_s, backoff_s
        self.breaker = breaker or CircuitBreaker(5, 30.0)
        self._cache: dict[str, tuple[float, VehicleRecord | None]] = {}
        self.requests = 0

    def lookup(self, session: Session, plate: str) -> VehicleRecord | None:
        key = plate_key(plate)
        hit = self._cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.cache_s:
            return hit[1]
        found = self._fetch(key)
        self._cache[key] = (time.monotonic(), found)
        return found

    def _fetch(self, key: str) -> VehicleRecord | None:
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if self.breaker.open:
                raise RegistryUnavailable("registry circuit is open after repeated failures; retry later")
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                self.requests += 1
                response = self.client.get(f"/v1/vehicles/{key}")
            except httpx.HTTPError as exc:
                self.breaker.failure()
                last = exc
                continue
            if response.status_code == 404:
                self.breaker.success()
                return None
            if response.status_code >= 500:
                self.breaker.failure()
                last = RuntimeError(f"registry answered {response.status_code}")
                continue
            if response.status_code != 200:
                # 401/403/4xx: our configuration is wrong; retrying will not help.
                raise RegistryUnavailable(f"registry refused the request ({response.status_code})")
            self.breaker.success()
            return _record(response.json())
        raise RegistryUnavailable(f"registry unreachable after {self.retries + 1} attempts: {last}")


def _record(data: dict[str, Any]) -> VehicleRecord:
    owner = data["owner"]
    return VehicleRecord(
        data["plate"],
        data["plate_display"],
        data["vehicle_type"],
        data["brand"],
        data["colour"],
        data["registration_status"],
        OwnerRecord(
            owner["cccd"],
            owner["full_name"],
            owner["address"],
            owner.get("kind", "person"),
            owner.get("organisation"),
            owner.get("tax_code"),
        ),
        bool(data.get("stolen")),
        bool(data.get("wanted")),
    )


@cache
def _shared(
    url: str, key: str, timeout: float, retries: int, cache_s: float, failures: int, cool: float
) -> HttpRegistryProvider:
    return HttpRegistryProvider(
        url, key, timeout_s=timeout, retries=retries, cache_s=cache_s, breaker=CircuitBreaker(failures, cool)
    )


def shared_http_provider(settings: Settings) -> HttpRegistryProvider:
    """One client (cache and breaker included) per configuration, shared by requests and jobs."""
    return _shared(
        settings.registry_url,
        settings.registry_api_key,
        settings.registry_timeout_s,
        settings.registry_retries,
        settings.registry_cache_s,
        settings.registry_breaker_failures,
        settings.registry_breaker_cooldown_s,
    )
