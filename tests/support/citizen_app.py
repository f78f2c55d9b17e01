"""A real `tvp serve` for the citizen app's tests (browser and live updates): the embedded IdP's issuer
and the app's redirect URI point at the server's own port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def citizen_app_server(database_url: str, **env: str) -> Iterator[str]:
    """`tvp serve` on a free port, on the test database; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = {
        "TVP_DATABASE_URL": database_url,
        "TVP_IDP_ISSUER": f"{base}/idp",
        "TVP_IDP_REDIRECT_URIS": json.dumps([f"{base}/citizen/callback", "tvp-citizen://callback"]),
        "TVP_CITIZEN_EVENTS_MAX_S": "600",
        "TVP_CITIZEN_API_BASE_URL": base,
        **env,
    }
    with tvp_serve(port, settings) as served:
        yield served


@contextmanager
def tvp_serve(port: int, settings: dict[str, str]) -> Iterator[str]:
    """`tvp serve` on ``port`` with these settings over the environment; yields its base URL once healthy."""
    base = f"http://127.0.0.1:{port}"
    tvp = str(Path(sys.executable).parent / "tvp")
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [tvp, "serve", "--port", str(port)],
            env={**os.environ, "PYTHONFAULTHANDLER": "1", **settings},  # a native crash prints its threads
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            # A loaded 2-core machine takes 15 s or more to import the models; the bound only stops a hang.
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    tail = log.read().decode(errors="replace")[-3000:]
                    raise AssertionError(f"tvp serve did not start (exit {proc.poll()}):\n{tail}")
                time.sleep(0.2)
            yield base
        finally:
            died = proc.poll()
            proc.terminate()
            proc.wait(15)
            log.seek(0)
            # pytest shows this only when a test fails: the server's own last words.
            print(
                f"tvp serve (exit {died} before the end):",
                log.read().decode(errors="replace")[-20000:],
                file=sys.stderr,
            )
