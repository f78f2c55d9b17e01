"""What the server benches share: latency figures, a free port, a database to migrate and use."""

from __future__ import annotations

import math
import os
import socket
import statistics


def percentile(values: list[float], q: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def timing(values: list[float]) -> dict[str, float]:
    """Latencies in seconds as n and p50/p95/p99/max milliseconds (NaN when there are none)."""
    ms = [v * 1000 for v in values] or [math.nan]
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def use_database(url: str) -> None:
    """Point this process at ``url`` and migrate it to head (tvp's own migrations)."""
    from core.config import reset_settings
    from core.db import reset_engine
    from core.migrate import upgrade

    os.environ["TVP_DATABASE_URL"] = url
    reset_settings()
    reset_engine()
    upgrade()
