"""Helpers for the payment tests: tvp and the VNPay sandbox on real uvicorn servers (threads), a decision
to pay, and walking the sandbox's payment page like a browser."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy.orm import Session

from core.config import reset_settings
from core.plugins import load_tasks
from payments.vnpay_sandbox import create_sandbox_app
from penalties.decisions.models import Decision
from penalties.decisions.service import issue_decision
from penalties.notices.models import NoticeStatus
from tests.support.decisions import open_notice, supervisor_id
from tests.support.delivery import free_port, serve
from tests.support.factories import citizen_token, make_citizen

TMN = "TVPTEST1"
SECRET = "sandbox-test-secret-" + "k9Qz7Lm2Xv4Rt8Wp"


@dataclass
class Servers:
    tvp: str
    sandbox: str
    sandbox_app: Any

    def configure(self, **values: Any) -> None:
        httpx.post(f"{self.sandbox}/_config", json=values).raise_for_status()

    def sandbox_state(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.sandbox}/_state").json())


@contextmanager
def payment_servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[Servers]:
    """tvp (this test database) and the sandbox, each on its own port, wired to each other."""
    tvp_port, sandbox_port = free_port(), free_port()
    tvp, sandbox = f"http://127.0.0.1:{tvp_port}", f"http://127.0.0.1:{sandbox_port}"
    for name, value in {
        "TVP_PAYMENT_GATEWAY": "vnpay-sandbox",
        "TVP_VNPAY_TMN_CODE": TMN,
        "TVP_VNPAY_HASH_SECRET": SECRET,
        "TVP_VNPAY_PAY_URL": f"{sandbox}/paymentv2/vpcpay.html",
        "TVP_VNPAY_API_URL": f"{sandbox}/merchant_webapi/api/transaction",
        "TVP_VNPAY_TIMEOUT_S": "1",
        "TVP_CITIZEN_API_BASE_URL": tvp,
    }.items():
        monkeypatch.setenv(name, value)
    reset_settings()
    load_tasks()
    from core.app import create_app

    sandbox_app = create_sandbox_app(TMN, SECRET, f"{tvp}/api/payments/vnpay/ipn")
    with serve(create_app(), tvp_port), serve(sandbox_app, sandbox_port):
        yield Servers(tvp, sandbox, sandbox_app)
    monkeypatch.undo()
    reset_settings()


def a_decision(
    db: Session, serial: int, *, notices: int = 1, status: NoticeStatus = NoticeStatus.acknowledged
) -> Decision:
    """An issued decision over ``notices`` notices of a new citizen; committed."""
    owner = make_citizen(db, serial=serial)
    found = [open_notice(db, owner, plate=f"51G{serial:05d}", status=status) for _ in range(notices)]
    decision = issue_decision(
        db, [n.id for n in found], issued_by=uuid.UUID(supervisor_id(db)), now=datetime.now(UTC)
    )
    db.commit()
    return decision


@contextmanager
def citizen_client(base: str, cccd: str) -> Iterator[httpx.Client]:
    """An HTTP client signed in as the citizen (the embedded IdP's code flow)."""
    with httpx.Client(base_url=base, timeout=20) as client:
        token = citizen_token(client, cccd)  # type: ignore[arg-type]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def start_payment(client: httpx.Client, decision_id: uuid.UUID) -> dict[str, Any]:
    resp = client.post(f"/api/citizen/v1/decisions/{decision_id}/payments")
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def pay_at_sandbox(redirect_url: str, action: str = "pay") -> httpx.Response:
    """Open the sandbox page, press Pay (or Cancel), follow the redirect back; the final response."""
    with httpx.Client(timeout=20) as browser:
        page = browser.get(redirect_url)
        assert page.status_code == 200, page.text
        ref = parse_qs(urlparse(redirect_url).query)["vnp_TxnRef"][0]
        assert f'value="{ref}"' in page.text
        base = f"{urlparse(redirect_url).scheme}://{urlparse(redirect_url).netloc}"
        return browser.post(
            f"{base}/paymentv2/confirm", data={"ref": ref, "action": action}, follow_redirects=True
        )


@contextmanager
def tvp_serve_paying_through(database_url: str, sandbox: str, **env: str) -> Iterator[str]:
    """`tvp serve` (a process, its in-process worker settling payments) on the test database, paying
    through the sandbox at ``sandbox``; yields its base URL."""
    from tests.support.citizen_app import citizen_app_server

    with citizen_app_server(
        database_url,
        TVP_PAYMENT_GATEWAY="vnpay-sandbox",
        TVP_VNPAY_TMN_CODE=TMN,
        TVP_VNPAY_HASH_SECRET=SECRET,
        TVP_VNPAY_PAY_URL=f"{sandbox}/paymentv2/vpcpay.html",
        TVP_VNPAY_API_URL=f"{sandbox}/merchant_webapi/api/transaction",
        **env,
    ) as base:
        yield base
