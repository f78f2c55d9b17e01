"""bench/load.py --quick runs end to end on PostgreSQL: seeded in bulk, `tvp serve` as a process, citizens
signed in through the embedded IdP, every answer 200, the figures written. No timing is asserted: the
figures are the bench's."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.support.db import postgres_base_url

ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = {"healthz", "citizen_notice_list", "citizen_notice_detail", "review_queue"}


@pytest.mark.timeout(600)
def test_quick_load_bench_answers_every_request(tmp_path: Path) -> None:
    base = postgres_base_url()
    if base is None:
        pytest.skip("the load bench runs on PostgreSQL (TVP_TEST_DATABASE_URL): `serve --workers` needs it")
    out, scratch = tmp_path / "load.json", f"tvp_bench_load_{uuid.uuid4().hex[:8]}"
    args = [sys.executable, str(ROOT / "bench" / "load.py"), "--quick", "--workers", "1,2"]
    args += ["--postgres", base, "--scratch-db", scratch, "--out", str(out)]
    run = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=580)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    result = json.loads(out.read_text())
    assert result["all_200"] is True
    assert result["database"]["notices"] == 2000 and result["database"]["seeding"]["seconds"] >= 0
    assert [r["workers"] for r in result["runs"]] == [1, 2]
    assert result["database"]["synchronous_commit"] == "on"
    for workers in result["runs"]:
        assert workers["citizens_signed_in"] == workers["clients"] > 1
        assert set(workers["endpoints"]) == ENDPOINTS
        for figures in workers["endpoints"].values():
            assert figures["all_200"] and set(figures["statuses"]) == {"200"}
            assert figures["requests"] == figures["latency"]["n"] > 0 and figures["req_per_s"] > 0
            assert {"p50_ms", "p95_ms", "p99_ms", "max_ms"} <= set(figures["latency"])
    profiled = {p["request"]: p for p in result["where_time_goes"]}
    assert set(profiled) == {"citizen_notice_list", "citizen_notice_detail", "review_queue"}
    for name, profile in profiled.items():
        assert profile["plans"] and all(p["plan"] for p in profile["plans"])  # EXPLAIN ANALYZE of each SELECT
        # On PostgreSQL the entry's insert goes with the head's new hash as one statement (a CTE).
        inserts = ("INSERT INTO audit_log", "WITH appended AS (INSERT INTO audit_log")
        audited = any(s.startswith(inserts) for s in profile["statements"])
        assert audited == name.startswith("citizen")  # a citizen's read of their notices is audited
    assert not _database_exists(base, scratch)  # the bench drops its scratch database


def test_bench_refuses_more_clients_than_citizens(tmp_path: Path) -> None:
    args = [sys.executable, str(ROOT / "bench" / "load.py"), "--citizens", "10", "--clients", "11"]
    run = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert "--clients must not exceed --citizens" in run.stderr


def _database_exists(base: str, name: str) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(base)
    with engine.connect() as conn:
        found = conn.scalar(text("SELECT count(*) FROM pg_database WHERE datname = :name"), {"name": name})
    engine.dispose()
    return bool(found)
