"""bench/payments.py --quick runs end to end (on PostgreSQL when the suite is, else on SQLite): the IPN
storm's checks all pass and the figures are written. No timing is asserted: the figures are the bench's."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.support.db import postgres_base_url

ROOT = Path(__file__).resolve().parents[2]


# The moved-clock runs skip it (2 minutes a run): tests/payments cover the payments' dates there.
@pytest.mark.clockless
@pytest.mark.timeout(900)
def test_quick_payments_bench_passes_its_checks(tmp_path: Path) -> None:
    out = tmp_path / "payments.json"
    args = [sys.executable, str(ROOT / "bench" / "payments.py"), "--quick", "--out", str(out)]
    base, scratch = postgres_base_url(), f"tvp_bench_payments_{uuid.uuid4().hex[:8]}"
    if base is None:
        args += ["--callbacks-on", "sqlite"]
    else:
        args += ["--postgres", base, "--scratch-db", scratch]
    run = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=880)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    result = json.loads(out.read_text())
    storm = result["callbacks"]
    assert result["passed"] is True and all(storm["checks"].values()) and storm["problems"] == {}
    assert storm["database"] == ("sqlite" if base is None else "postgresql")
    assert storm["callbacks"] == 1000 and sum(storm["answers"].values()) == 1000
    assert {"00", "01", "02", "04", "97"} <= set(storm["answers"])  # every answer VNPay knows was given
    assert storm["answers"]["97"] == storm["sent_by_kind"]["forged"]
    assert storm["answers"]["04"] == storm["sent_by_kind"]["tampered"]
    assert storm["counts"]["needs_refund_found"] == storm["counts"]["paid_twice_planted"] > 0
    assert storm["counts"]["settle_jobs"] == storm["counts"]["decisions_paid"] > 0
    for kind in ("duplicate", "replay", "late_failure", "late_success"):
        assert storm["sent_by_kind"][kind] > 0
    for key in ("callbacks_per_second", "latency", "waves", "settlement_drained_after_s"):
        assert key in storm
    for figures in (storm["latency"], *(v for k, v in result["creation"].items() if k != "target_p99_ms")):
        assert {"n", "p50_ms", "p95_ms", "p99_ms", "max_ms"} <= set(figures)
    assert set(result["creation"]) >= {"sqlite", "target_p99_ms"}
    if base is not None:
        assert "postgresql" in result["creation"]
        assert not _database_exists(base, scratch)  # the bench drops its scratch database


def _database_exists(base: str, name: str) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(base)
    with engine.connect() as conn:
        found = conn.scalar(text("SELECT count(*) FROM pg_database WHERE datname = :name"), {"name": name})
    engine.dispose()
    return bool(found)
