"""`tvp serve --workers N`: refused on the embedded default, N processes on PostgreSQL with a broker."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx
import psutil
import pytest

from core.time import utc_now
from tests.core.test_broker_worker import AMQP_URL, _rabbit
from tests.support.citizen_app import free_port

TVP = str(Path(sys.executable).parent / "tvp")


def test_several_workers_are_refused_on_the_embedded_default(tmp_path: Path) -> None:
    env = {**os.environ, "TVP_DATA_DIR": str(tmp_path), "TVP_BROKER_URL": "stub://"}
    env.pop("TVP_DATABASE_URL", None)
    done = subprocess.run(
        [TVP, "serve", "--workers", "2", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    assert "--workers above 1 needs PostgreSQL and a broker" in message
    assert "stub://" in message and "SQLite" in message


def test_zero_workers_is_refused(tmp_path: Path) -> None:
    done = subprocess.run(
        [TVP, "serve", "--workers", "0"],
        env={**os.environ, "TVP_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "--workers" in done.stderr


def _access_lines(log: Path) -> list[dict[str, object]]:
    lines = []
    for raw in log.read_text(errors="replace").splitlines():
        if raw.startswith("{"):
            line = json.loads(raw)
            if line["logger"] == "tvp.access":
                lines.append(line)
    return lines


SCRAPE_TOKEN = secrets.token_urlsafe(32)


def test_two_workers_serve_on_postgresql_with_a_broker(database_url: str, tmp_path: Path) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL (TVP_TEST_DATABASE_URL)")
    _rabbit().close()  # skips when RabbitMQ is unreachable
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "TVP_DATABASE_URL": database_url,
        "TVP_BROKER_URL": AMQP_URL,
        "TVP_LOG_FORMAT": "json",
        "TVP_METRICS_TOKEN": SCRAPE_TOKEN,
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # serve makes one for its workers
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [TVP, "serve", "--workers", "2", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    try:
        deadline = time.monotonic() + 120  # a loaded 2-core machine imports the models slowly
        while not _healthy(base):
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "tvp serve --workers 2 did not start"
            time.sleep(0.2)
        workers = {child.pid for child in psutil.Process(proc.pid).children(recursive=True)}
        workers -= {c.pid for c in psutil.Process(proc.pid).children() if "resource_tracker" in _cmd(c)}

        def ask(_: int) -> int:
            return httpx.get(f"{base}/healthz", timeout=10).status_code

        answered: set[object] = set()
        statuses: list[int] = []
        with ThreadPoolExecutor(4) as pool:
            for _ in range(10):  # until both workers have answered; each round is 20 requests
                statuses += pool.map(ask, range(20))
                time.sleep(0.3)  # the access lines are written after the answer
                answered = {line["pid"] for line in _access_lines(log)}
                if len(answered) >= 2:
                    break
        assert set(statuses) == {200}
        assert len(answered) == 2 and answered <= workers, (answered, workers)
        # One scrape holds every worker's requests (serve gives them a shared multiprocess folder).
        scraped = httpx.get(
            f"{base}/metrics", headers={"Authorization": f"Bearer {SCRAPE_TOKEN}"}, timeout=10
        )
        assert scraped.status_code == 200, scraped.text
        counted = sum(
            float(line.rsplit(" ", 1)[1])
            for line in scraped.text.splitlines()
            if line.startswith("tvp_http_requests_total{") and 'route="/healthz"' in line
        )
        assert counted >= len(statuses), (counted, len(statuses))
        # Each worker follows the suite's clock (moved under TVP_TEST_CLOCK runs) as this process does.
        for line in _access_lines(log):
            logged = datetime.fromisoformat(str(line["time"]))
            assert abs((logged - utc_now()).total_seconds()) < 120
    finally:
        proc.terminate()
        assert proc.wait(30) == 0
    assert all(not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie" for pid in workers)


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _cmd(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""
