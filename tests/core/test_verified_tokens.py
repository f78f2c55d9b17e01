"""A citizen token verified lately is taken again without its signature checked (core.auth.idp
VerifiedTokens): for a minute at most and never past its exp; a forged or altered token is never taken
from memory; the oldest tokens are forgotten first."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core.auth import idp
from core.auth.idp import CitizenIdentity, EmbeddedProvider, TokenRejected
from core.config import get_settings
from tests.support.factories import make_citizen
from tests.support.responses import token_with

CCCD = "079090123457"


class CountingProvider(EmbeddedProvider):
    def __init__(self) -> None:
        super().__init__(get_settings())
        self.checked = 0

    def verify(self, token: str) -> CitizenIdentity:
        self.checked += 1
        return super().verify(token)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [time.time()]
    monkeypatch.setattr(idp.time, "time", lambda: now[0])
    return now


def test_a_token_is_checked_once_a_minute(clean_db: str, clock: list[float]) -> None:
    provider, token = CountingProvider(), token_with(CCCD)
    assert [provider.identity(token).cccd for _ in range(3)] == [CCCD] * 3
    assert provider.checked == 1
    clock[0] += idp.VERIFIED_FOR_S - 1
    provider.identity(token)
    assert provider.checked == 1
    clock[0] += 2
    provider.identity(token)
    assert provider.checked == 2


def test_a_remembered_token_expires_at_its_exp(clean_db: str, clock: list[float]) -> None:
    """A token with 30 s left is remembered for 30 s, not a minute."""
    provider = CountingProvider()
    token = token_with(CCCD, exp=int(clock[0]) + 30)
    provider.identity(token)
    clock[0] += 25
    provider.identity(token)
    assert provider.checked == 1
    clock[0] += 6  # past exp by the cache's clock (PyJWT reads the real one): checked again
    provider.identity(token)
    assert provider.checked == 2


def test_an_altered_token_is_never_taken_from_memory(clean_db: str) -> None:
    provider, token = CountingProvider(), token_with(CCCD)
    provider.identity(token)
    head, body, signature = token.split(".")
    forged = f"{head}.{body}.{signature[:-4]}AAAA"
    with pytest.raises(TokenRejected):
        provider.identity(forged)
    assert provider.checked == 2


def test_the_oldest_tokens_are_forgotten_first(clean_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idp, "VERIFIED_MAX", 2)
    provider = CountingProvider()
    tokens = [token_with(CCCD, jti=str(i)) for i in range(3)]
    for token in tokens:
        provider.identity(token)
    assert provider.verified.get(tokens[0]) is None
    assert [provider.verified.get(t) is not None for t in tokens[1:]] == [True, True]


def test_the_api_answers_a_remembered_token_as_a_checked_one(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second request takes the caller from memory (no worker thread, no signature check)."""
    make_citizen(db, serial=123457)
    db.commit()
    provider = CountingProvider()
    monkeypatch.setattr(idp, "_provider", provider)
    headers = {"Authorization": f"Bearer {token_with(CCCD)}"}
    first, second = (client.get("/api/citizen/v1/me", headers=headers) for _ in range(2))
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() and first.json()["cccd"] == CCCD
    assert provider.checked == 1
