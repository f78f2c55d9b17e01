"""localstripe for the Stripe adapter tests: one subprocess on 127.0.0.1, webhook registration, and
Stripe-Signature headers built the way Stripe builds them. localstripe is GPL and used by tests only."""

from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
