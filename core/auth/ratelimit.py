"""Sign-in throttling: failed attempts counted per account and per client address, each over a short and
a long window (the long one is the backoff for a patient attacker). Memory storage serves one process;
a redis:// storage shares the counts between all API processes."""

from __future__ import annotations

import math
import time

from fastapi import Request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from core.config import Settings
from core.errors import AppError


class TooManyAttempts(AppError):
    """Too many failed sign-ins: wait before trying again."""

    status_code = 429

    def __init__(self, retry_after_s: int, scope: str) -> None:
        self.retry_after_s = retry_after_s
        self.scope = scope
        super().__init__(
            f"too many failed sign-ins for this {scope}; try again in {max(1, retry_after_s // 60)} min"
        )

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s)}


class SignInLimiter:
    def __init__(self, settings: Settings, namespace: str = "tvp") -> None:
        url = settings.rate_limit_storage
        options = {"key_prefix": f"{namespace}-signin"} if url.startswith("redis") else {}
        self._limiter = MovingWindowRateLimiter(storage_from_string(url, **options))
        self._scopes: dict[str, list[RateLimitItem]] = {
            "account": parse_many(settings.login_account_limits),
            "address": parse_many(settings.login_ip_limits),
        }

    def _keys(self, realm: str, account: str, address: str) -> dict[str, tuple[str, str]]:
        return {"account": (realm, account.lower()), "address": (realm, address)}

    def check(self, realm: str, *, account: str, address: str) -> None:
        """Raises TooManyAttempts while either the account or the address is over a limit."""
        for scope, key in self._keys(realm, account, address).items():
            for item in self._scopes[scope]:
                if not self._limiter.test(item, *key):
                    reset = self._limiter.get_window_stats(item, *key).reset_time
                    raise TooManyAttempts(max(1, math.ceil(reset - time.time())), scope)

    def failed(self, realm: str, *, account: str, address: str) -> None:
        for scope, key in self._keys(realm, account, address).items():
            for item in self._scopes[scope]:
                self._limiter.hit(item, *key)

    def succeeded(self, realm: str, *, account: str) -> None:
        """A correct sign-in clears the account's count (the address keeps its own)."""
        for item in self._scopes["account"]:
            self._limiter.clear(item, realm, account.lower())


def sign_in_limiter(request: Request) -> SignInLimiter:
    limiter: SignInLimiter = request.app.state.sign_in_limiter
    return limiter


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
