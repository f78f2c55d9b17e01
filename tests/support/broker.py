"""RabbitMQ and Redis for the tests that run real `tvp worker` processes (marked ``broker``)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from typing import Any

import pytest

AMQP_URL = os.environ.get("TVP_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
REDIS_URL = os.environ.get("TVP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def unreachable(what: str, exc: Exception) -> None:
    """Fail in CI (the services must be there), skip elsewhere."""
    if os.environ.get("CI") or os.environ.get("TVP_TEST_REQUIRE_SERVICES"):
        pytest.fail(f"{what} is unreachable: {exc}")
    pytest.skip(f"{what} unreachable: {exc}")


def rabbit() -> Any:
    import pika

    try:
        return pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    except Exception as exc:
        unreachable(f"RabbitMQ at {AMQP_URL.split('@')[-1]}", exc)


def redis_client() -> Any:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except Exception as exc:
        unreachable(f"Redis at {REDIS_URL}", exc)
    return client


def delete_rabbit_queues(name: str) -> None:
    """The job queues a test's workers declared (short and long, with their delay and dead queues)."""
    conn = rabbit()
    channel = conn.channel()
    for base in (name, f"{name}.long"):
        for q in (base, f"{base}.DQ", f"{base}.XQ"):
            channel.queue_delete(q)
    conn.close()


def rabbit_queue(queue: str) -> tuple[int, int]:
    """(messages ready, consumers) of a RabbitMQ queue; (0, 0) when it is not declared yet."""
    import pika.exceptions

    conn = rabbit()
    try:
        method = conn.channel().queue_declare(queue, passive=True).method
        return int(method.message_count), int(method.consumer_count)
    except pika.exceptions.ChannelClosedByBroker:
        return 0, 0
    finally:
        if conn.is_open:
            conn.close()


def wait_for(what: str, check: Callable[[], bool], timeout: float = 45.0, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each worker still running (a clean Dramatiq shutdown), SIGKILL it after 15 s."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
