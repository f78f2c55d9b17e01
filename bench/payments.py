"""Payments under load (issue 14's targets): VNPay IPN storms on `tvp serve`, and payment creation time.

    .venv/bin/python bench/payments.py [--quick] [--decisions 2000] [--callbacks 10000] [--concurrency 100]
        [--callbacks-on postgresql|sqlite] [--postgres URL] [--scratch-db tvp_bench_payments]
        [--sqlite-decisions 1000] [--out bench/results/payments.json]

1. Callbacks. A scratch PostgreSQL database (``--scratch-db`` on the server of ``--postgres``: created,
   migrated, dropped at the end; never the tests' database) gets ``--decisions`` decisions issued through
   the services, and their payment attempts through ``payments.service.create_payment``: a quarter of the
   decisions have a first attempt that failed (a verified IPN) and a second one. Then `tvp serve` runs as a
   process (uvicorn, its in-process job worker settling payments, the product's defaults) with
   TVP_PAYMENT_GATEWAY=vnpay and a hash secret this script knows, and ``--callbacks`` signed VNPay IPNs are
   sent to it over HTTP, ``--concurrency`` in flight, in three waves:
     1. successes, exact duplicates (half of them side by side with their original, so they race),
        cancellations, both attempts of half the decisions paid twice racing each other;
     2. stale failures after the successes (out of order), the other paid-twice decisions' second success;
     3. replays of anything valid sent before;
   and in every wave forged signatures (97), signed but tampered amounts (04) and unknown orders (01).
   Once the job queue is drained the database is checked: one succeeded and settled payment per decision
   that got a success, every second success at the gateway kept as needs_refund (and only those), nothing
   lost, every raw event stored once, one settlement and one "paid" notification per paid decision, and
   each RspCode what VNPay expects (the first of identical IPNs 00, the rest 02; a stale failure 02).
2. Payment creation. ``create_payment`` for each decision in its own transaction with the audited read of
   the decision, as the citizen's request does (the VNPay adapter only signs a URL: no gateway latency), on
   a temporary SQLite file (``--sqlite-decisions``) and on PostgreSQL (the attempts of part 1).

Prints the figures, writes them to ``--out``, exits 1 if a check fails. While seeding, the notices' and
decisions' PDFs are not rendered (fpdf takes ~0.4 s per document and nothing here reads them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
# This script's folder first on the path would shadow tvp's packages (bench/payments.py is not `payments`).
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from bench.common import free_port, timing, use_database  # noqa: E402

TMN = "TVPBENCH"
IPN_PATH = "/api/payments/vnpay/ipn"


@dataclass
class Plan:
    """What a decision gets at the gateway: its attempts and which of them the bank paid."""

    decision_id: uuid.UUID
    kind: str  # paid | double | fail_then_pay | cancel | silent
    attempts: list[dict[str, Any]] = field(default_factory=list)  # {"id", "ref", "amount", "txn_no"}

    @property
    def paid_refs(self) -> list[str]:
        if self.kind == "double":
            return [a["ref"] for a in self.attempts]
        if self.kind in ("paid", "fail_then_pay"):
            return [self.attempts[-1]["ref"]]
        return []


@dataclass(eq=False)
class Callback:
    params: dict[str, str]
    kind: str  # success, duplicate, cancel, late_failure, late_success, replay, forged, tampered, unknown
    wave: int
    group: str | None = None  # identical valid IPNs share a group (the server's event id)
    fresh: bool = False  # the group's first arrival changes the payment (00), the rest are 02
    code: str = ""
    latency_s: float = 0.0
    deliveries: int = 0


# --- databases -------------------------------------------------------------------------------------------


@contextmanager
def scratch_postgres(server_url: str, name: str) -> Iterator[str]:
    """A new, empty database ``name`` on the server of ``server_url``; dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name, query={}).render_as_string(hide_password=False)
    finally:
        from core.db import reset_engine

        reset_engine()
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed_decisions(count: int, first: int) -> list[uuid.UUID]:
    """``count`` issued decisions, one notice each, of ``count`` citizens: the review flow's confirmation,
    then ``issue_decision``, 25 to a transaction."""
    import penalties.decisions.pdf
    import penalties.notices.pdf
    from core.db import session_scope
    from core.models import Role
    from core.time import utc_now
    from penalties.decisions.service import issue_decision
    from penalties.notices.models import NoticeStatus
    from penalties.review.service import Decision as Verdict
    from penalties.review.service import claim, confirm
    from tests.support.factories import make_candidate, make_citizen, make_staff, make_vehicle

    penalties.decisions.pdf.render_decision_pdf = lambda *a, **k: b"%PDF-1.4 bench"
    penalties.notices.pdf.render_notice_pdf = lambda *a, **k: b"%PDF-1.4 bench"
    with session_scope() as s:
        reviewer = f"staff:{make_staff(s, Role.reviewer).id}"
        supervisor = make_staff(s, Role.supervisor).id
    ids: list[uuid.UUID] = []
    for start in range(first, first + count, 25):
        with session_scope() as s:
            for serial in range(start, min(start + 25, first + count)):
                owner = make_citizen(s, serial=serial)
                plate = f"51G{serial:05d}"
                make_vehicle(s, owner, plate=plate, display=f"51G-{serial // 100:03d}.{serial % 100:02d}")
                candidate = make_candidate(s, plate=plate, detected_at=utc_now() - timedelta(days=2))
                claim(s, candidate.id, actor=reviewer)
                notice = confirm(s, candidate.id, Verdict(), actor=reviewer).notice
                assert notice is not None
                notice.status = NoticeStatus.acknowledged
                s.flush()
                ids.append(issue_decision(s, [notice.id], issued_by=supervisor, now=utc_now()).id)
    return ids


def create_attempt(decision_id: uuid.UUID) -> tuple[dict[str, Any], float]:
    """One payment attempt as the citizen's request makes it (its own transaction); and how long it took."""
    from core.db import session_scope
    from payments import service
    from penalties.decisions.models import Decision
    from penalties.decisions.service import decision_for_citizen

    started = time.perf_counter()
    with session_scope() as s:
        cccd = s.get_one(Decision, decision_id).cccd
        decision = decision_for_citizen(s, decision_id, cccd, purpose="payment")
        payment = service.create_payment(s, decision, actor=f"citizen:{cccd}")
        made = {"id": payment.id, "ref": payment.reference, "amount": payment.amount_vnd}
    return made, time.perf_counter() - started


def fail_at_gateway(attempt: dict[str, Any], secret: str) -> None:
    """The bank refused this attempt: its IPN verified and applied, as the server would."""
    from core.db import session_scope
    from payments import service

    gw = service.gateway_for()
    attempt["failed"] = ipn(attempt, secret, code="51", status="02")
    event = gw.verify_callback({}, b"", attempt["failed"])
    with session_scope() as s:
        assert service.apply_event(s, gw.name, event) is service.Applied.applied


def add_history(count: int, decision_id: uuid.UUID) -> None:
    """``count`` closed attempts of an older decision already in the table, as months in production leave
    (PostgreSQL): creating a payment must not get slower as the table grows."""
    from sqlalchemy import text

    from core.db import session_scope

    with session_scope() as s:
        s.execute(
            text(
                "INSERT INTO payments (id, created_at, updated_at, decision_id, idempotency_key, reference,"
                " amount_vnd, late_charge_vnd, currency, gateway, gateway_ref, status, refunded_vnd)"
                " SELECT gen_random_uuid(), now(), now(), CAST(:d AS uuid),"
                " CAST(:d AS text) || ':1000:2026-01-01:' || g, 'H' || g, 1000, 0, 'VND', 'vnpay', 'H' || g,"
                " 'failed', 0 FROM generate_series(1, :n) g"
            ),
            {"d": str(decision_id), "n": count},
        )
    with session_scope() as s:
        s.execute(text("ANALYZE payments"))


# --- callbacks -------------------------------------------------------------------------------------------


def ipn(
    attempt: dict[str, Any], secret: str, *, code: str = "00", status: str = "00", **changes: str
) -> dict:
    from payments.gateways.vnpay import sign_params

    params = {
        "vnp_Amount": str(attempt["amount"] * 100),
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": f"VNP{attempt['txn_no']}",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": f"Nop phat {attempt['ref']}",
        "vnp_PayDate": "20261130120000",
        "vnp_ResponseCode": code,
        "vnp_TmnCode": TMN,
        "vnp_TransactionNo": str(attempt["txn_no"]),
        "vnp_TransactionStatus": status,
        "vnp_TxnRef": attempt["ref"],
        **changes,
    }
    return {**params, "vnp_SecureHash": sign_params(params, secret)}


def group_of(params: dict[str, str]) -> str:
    p = params
    return (
        f"ipn:{p['vnp_TxnRef']}:{p['vnp_TransactionNo']}:{p['vnp_ResponseCode']}:{p['vnp_TransactionStatus']}"
    )


def plan_callbacks(plans: list[Plan], total: int, secret: str, rng: random.Random) -> list[list[Callback]]:
    """Three waves of IPNs (see the module's doc), about ``total`` in all; each wave in sending order."""
    units: dict[int, list[list[Callback]]] = {1: [], 2: [], 3: []}
    valid: list[Callback] = []
    unit_of: dict[int, list[Callback]] = {}

    def add(wave: int, *callbacks: Callback) -> None:
        unit = list(callbacks)
        units[wave].append(unit)
        unit_of.update((id(c), unit) for c in unit)

    def valid_ipn(params: dict[str, str], kind: str, wave: int, fresh: bool) -> Callback:
        made = Callback(params, kind, wave, group_of(params), fresh)
        valid.append(made)
        return made

    by_ref = {a["ref"]: a for p in plans for a in p.attempts}
    for plan in plans:
        last = plan.attempts[-1]
        if plan.kind in ("paid", "fail_then_pay"):
            add(1, valid_ipn(ipn(last, secret), "success", 1, True))
        elif plan.kind == "cancel":
            add(1, valid_ipn(ipn(last, secret, code="24", status="02"), "cancel", 1, True))
        elif plan.kind == "double":
            # The bank took the money for both attempts: racing each other, or the first one late.
            first, second = (valid_ipn(ipn(a, secret), "success", 1, True) for a in plan.attempts)
            if len(units[1]) % 2:
                add(1, first, second)
            else:
                first.kind, first.wave = "late_success", 2
                add(1, second)
                add(2, first)
    extra = total - sum(len(u) for w in units.values() for u in w)
    succeeded = [c for c in valid if c.kind in ("success", "late_success")]
    freshes = list(valid)
    specials = max(3, extra // 8)
    for _ in range(max(0, extra - specials)):
        roll = rng.random()
        if roll < 0.4:  # an exact duplicate in the same wave, often side by side (in flight together)
            original = rng.choice(freshes)
            twin = Callback(dict(original.params), "duplicate", original.wave, original.group, True)
            if rng.random() < 0.5:
                unit_of[id(original)].append(twin)
            else:
                add(twin.wave, twin)
        elif roll < 0.6:  # a stale failure after the success (out of order): never overrides it
            attempt = by_ref[rng.choice(succeeded).params["vnp_TxnRef"]]
            late = ipn(attempt, secret, code=rng.choice(["99", "11", "51"]), status="02")
            add(2, valid_ipn(late, "late_failure", 2, False))
        else:  # a replay later of anything valid (filled in once the late failures exist)
            units[3].append([])
    for unit in units[3]:
        original = rng.choice(valid)
        unit.append(Callback(dict(original.params), "replay", 3, original.group, original.fresh))
    refs = list(by_ref)
    for n in range(specials):
        wave = 1 + n % 3
        attempt = by_ref[rng.choice(refs)]
        kind = ("forged", "tampered", "forged", "tampered", "unknown")[n % 5]
        if kind == "tampered":
            params = ipn(
                attempt, secret, vnp_Amount=str(rng.choice([attempt["amount"] - 1000, 10_000]) * 100)
            )
        elif kind == "unknown":
            params = ipn({**attempt, "ref": "NOSUCH" + secrets.token_hex(6).upper()}, secret)
        elif n % 2:
            params = ipn(attempt, "not-the-" + secret)  # signed with another key
        else:
            params = ipn(attempt, secret)
            params["vnp_Amount"] = str(attempt["amount"] * 10)  # changed after signing
        units[wave].append([Callback(params, kind, wave)])
    waves = []
    for wave in (1, 2, 3):
        rng.shuffle(units[wave])
        waves.append([c for unit in units[wave] for c in unit])
    return waves


async def send_wave(base: str, wave: list[Callback], concurrency: int) -> float:
    """Send the wave's IPNs with ``concurrency`` in flight; record each answer; the wave's seconds. An IPN
    that got no answer at all is sent again (VNPay does), up to 3 times; its latency counts them all."""
    pending = iter(wave)
    # Idle connections are let go well before uvicorn's 5 s keep-alive ends them under a request.
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def deliver(callback: Callback) -> None:
            for callback.deliveries in range(1, 4):
                try:
                    answer = await client.get(IPN_PATH, params=callback.params)
                except httpx.TransportError as exc:
                    callback.code = f"error {exc.__class__.__name__}"
                    continue
                try:
                    callback.code = str(answer.json()["RspCode"])
                except (ValueError, KeyError):
                    callback.code = f"HTTP {answer.status_code} {answer.text[:40]}"
                return

        async def sender() -> None:
            for callback in pending:
                started = time.perf_counter()
                await deliver(callback)
                callback.latency_s = time.perf_counter() - started

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        return time.perf_counter() - started


def wrong_answers(waves: list[list[Callback]]) -> list[str]:
    """Each IPN's RspCode against what VNPay expects for it."""
    fixed = {"forged": "97", "tampered": "04", "unknown": "01"}
    groups: dict[str, list[Callback]] = defaultdict(list)
    wrong = []
    for callback in (c for w in waves for c in w):
        if callback.group is None:
            if callback.code != fixed[callback.kind]:
                wrong.append(f"{callback.kind} answered {callback.code}, not {fixed[callback.kind]}")
        else:
            groups[callback.group].append(callback)
    for group, arrivals in groups.items():
        first_wave = min(c.wave for c in arrivals)
        firsts = [c.code for c in arrivals if c.wave == first_wave]
        later = [c.code for c in arrivals if c.wave != first_wave]
        expected = sorted(["00"] + ["02"] * (len(firsts) - 1)) if arrivals[0].fresh else ["02"] * len(firsts)
        if sorted(firsts) != expected or any(code != "02" for code in later):
            wrong.append(f"{group}: answered {firsts} then {later}, expected {expected} then 02s")
    return wrong


# --- the server and its jobs -----------------------------------------------------------------------------


@contextmanager
def tvp_serve(log: Path) -> Iterator[str]:
    """`tvp serve` on a free port, this process's settings (database, gateway, secret); its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TVP_CITIZEN_API_BASE_URL": base, "PYTHONPATH": str(ROOT)}
    with log.open("w") as out:
        tvp = Path(sys.executable).parent / "tvp"
        serve = [str(tvp), "serve", "--port", str(port)]
        proc = subprocess.Popen(serve, env=env, stdout=out, stderr=out)  # noqa: S603 (our own tvp)
    try:
        for _ in range(300):
            if proc.poll() is not None:
                raise RuntimeError(f"tvp serve exited {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("tvp serve did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(30)


def wait_for_jobs(timeout_s: float) -> float:
    """Seconds until no job (periodic schedules aside) is waiting or running; raises past ``timeout_s``."""
    from sqlalchemy import func, select

    from core.db import session_scope
    from core.jobs.schedule import SCHEDULES
    from core.models import Job, JobStatus

    started = time.perf_counter()
    busy = (JobStatus.pending, JobStatus.queued, JobStatus.retrying)
    while time.perf_counter() - started < timeout_s:
        with session_scope(writes=False) as s:
            left = s.scalar(
                select(func.count())
                .select_from(Job)
                .where(Job.status.in_(busy), Job.name.not_in(list(SCHEDULES)))
            )
        if not left:
            return time.perf_counter() - started
        time.sleep(0.25)
    raise TimeoutError(f"jobs still waiting after {timeout_s:.0f} s")


# --- checks ----------------------------------------------------------------------------------------------


def check_database(plans: list[Plan], waves: list[list[Callback]]) -> dict[str, Any]:
    from sqlalchemy import func, select

    from core.db import session_scope
    from core.jobs.schedule import SCHEDULES
    from core.models import Job, JobStatus
    from payments.models import Payment, PaymentEvent, PaymentStatus
    from payments.service import SETTLE_TASK
    from penalties.decisions.models import Decision, DecisionStatus

    with session_scope(writes=False) as s:
        payments = defaultdict(list)
        for p in s.scalars(select(Payment)):
            payments[p.decision_id].append(p)
        decisions = {d.id: d.status for d in s.scalars(select(Decision))}
        events = s.scalar(select(func.count()).select_from(PaymentEvent)) or 0
        jobs = s.scalars(select(Job).where(Job.name.not_in(list(SCHEDULES)))).all()
        settles = Counter(j.payload["payment_id"] for j in jobs if j.name == SETTLE_TASK)
        paid_told = Counter(
            j.payload["object_id"]
            for j in jobs
            if j.name == "citizen_app.notify" and j.payload.get("event") == "decision.paid"
        )
        dead = [f"{j.name}: {j.last_error}" for j in jobs if j.status is JobStatus.dead]
    problems: dict[str, list[str]] = defaultdict(list)
    doubles_found = 0
    for plan in plans:
        rows = payments[plan.decision_id]
        ok = [p for p in rows if p.status is PaymentStatus.succeeded]
        twice = [p for p in rows if p.status is PaymentStatus.needs_refund]
        doubles_found += len(twice)
        recorded = {
            p.reference for p in rows if p.status in (PaymentStatus.succeeded, PaymentStatus.needs_refund)
        }
        name = f"{plan.kind} decision {plan.decision_id}"
        if plan.paid_refs:
            if len(ok) != 1 or ok[0].settled_at is None or ok[0].receipt_number is None:
                problems["one_settled_payment_per_paid_decision"].append(
                    f"{name}: {[str(p.status) for p in rows]}"
                )
            elif settles[str(ok[0].id)] != 1 or paid_told[str(plan.decision_id)] != 1:
                problems["settled_once"].append(f"{name}: {settles[str(ok[0].id)]} settle jobs")
            if decisions[plan.decision_id] is not DecisionStatus.paid:
                problems["paid_decisions_closed"].append(f"{name} is {decisions[plan.decision_id]}")
        elif ok or twice or decisions[plan.decision_id] is not DecisionStatus.issued:
            problems["unpaid_decisions_untouched"].append(f"{name}: {[str(p.status) for p in rows]}")
        if recorded != set(plan.paid_refs):
            problems["no_payment_lost"].append(
                f"{name}: bank paid {plan.paid_refs}, recorded {sorted(recorded)}"
            )
        if len(twice) != (plan.kind == "double"):
            problems["paid_twice_caught_as_needs_refund"].append(f"{name}: {len(twice)} needs_refund")
    groups = {c.group for w in waves for c in w if c.group is not None}
    groups |= {group_of(p.attempts[0]["failed"]) for p in plans if len(p.attempts) == 2}  # the setup's
    if events != len(groups):
        problems["each_event_stored_once"].append(f"{events} events stored, {len(groups)} distinct sent")
    if dead:
        problems["no_dead_jobs"].extend(dead[:5])
    wrong = wrong_answers(waves)
    if wrong:
        problems["rspcodes_as_vnpay_expects"].extend(wrong)
    names = [
        "one_settled_payment_per_paid_decision",
        "settled_once",
        "paid_decisions_closed",
        "unpaid_decisions_untouched",
        "paid_twice_caught_as_needs_refund",
        "no_payment_lost",
        "each_event_stored_once",
        "no_dead_jobs",
        "rspcodes_as_vnpay_expects",
    ]
    return {
        "checks": {n: not problems[n] for n in names},
        "problems": {n: problems[n][:10] for n in names if problems[n]},
        "counts": {
            "decisions_paid": sum(1 for p in plans if p.paid_refs),
            "paid_twice_planted": sum(1 for p in plans if p.kind == "double"),
            "needs_refund_found": doubles_found,
            "events_stored": events,
            "settle_jobs": sum(settles.values()),
        },
    }


# --- the runs --------------------------------------------------------------------------------------------


def creation_on_sqlite(count: int, data_dir: Path) -> dict[str, float]:
    use_database(f"sqlite:///{data_dir / 'creation.db'}")
    ids = seed_decisions(count, 1)
    return timing([create_attempt(d)[1] for d in ids])


def callbacks_run(args: argparse.Namespace, url: str, secret: str, data_dir: Path) -> dict[str, Any]:
    use_database(url)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    ids = seed_decisions(args.decisions, 1)
    seeded_s = time.perf_counter() - started
    if args.history and url.startswith("postgresql"):
        add_history(args.history, seed_decisions(1, args.decisions + 1)[0])
    n_two = len(ids) // 4
    n_double = n_two * 3 // 5
    n_single = len(ids) - n_two
    n_cancel, n_silent = n_single * 2 // 15, n_single // 15
    kinds = (
        ["double"] * n_double
        + ["fail_then_pay"] * (n_two - n_double)
        + ["cancel"] * n_cancel
        + ["silent"] * n_silent
        + ["paid"] * (n_single - n_cancel - n_silent)
    )
    rng.shuffle(kinds)
    plans = [Plan(d, k) for d, k in zip(ids, kinds, strict=True)]
    creations = []
    for n, plan in enumerate(plans):
        attempt, took = create_attempt(plan.decision_id)
        creations.append(took)
        plan.attempts.append({**attempt, "txn_no": 14_000_000 + 2 * n})
        if plan.kind in ("double", "fail_then_pay"):
            fail_at_gateway(plan.attempts[0], secret)
            attempt, took = create_attempt(plan.decision_id)
            creations.append(took)
            plan.attempts.append({**attempt, "txn_no": 14_000_001 + 2 * n})
    waves = plan_callbacks(plans, args.callbacks, secret, rng)
    log = data_dir / "tvp-serve.log"
    with tvp_serve(log) as base:
        warmup_s = wait_for_jobs(1800)  # the seeding's own jobs (notices, notifications) first
        wave_s = [asyncio.run(send_wave(base, wave, args.concurrency)) for wave in waves]
        drained_s = wait_for_jobs(1800)
    sent = [c for w in waves for c in w]
    result = check_database(plans, waves)
    if not all(result["checks"].values()):
        shutil.copy(log, Path(args.out).with_suffix(".serve.log"))
    return {
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "decisions": len(plans),
        "attempts": sum(len(p.attempts) for p in plans),
        "callbacks": len(sent),
        "concurrency": args.concurrency,
        "sent_by_kind": dict(Counter(c.kind for c in sent)),
        "seconds": round(sum(wave_s), 2),
        "callbacks_per_second": round(len(sent) / sum(wave_s), 1),
        "waves": [{"callbacks": len(w), "seconds": round(s, 2)} for w, s in zip(waves, wave_s, strict=True)],
        "latency": timing([c.latency_s for c in sent]),
        "answers": dict(sorted(Counter(c.code for c in sent).items())),
        "sent_again_after_no_answer": sum(1 for c in sent if c.deliveries > 1),
        "settlement_drained_after_s": round(drained_s, 2),
        "seeding": {"seconds": round(seeded_s, 1), "jobs_drained_before_storm_s": round(warmup_s, 1)},
        "older_payments_in_table": args.history if url.startswith("postgresql") else 0,
        **result,
        "_creations": creations,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a small run: 200 decisions, 1,000 callbacks")
    parser.add_argument("--decisions", type=int, default=2000)
    parser.add_argument("--callbacks", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--callbacks-on", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--scratch-db", default="tvp_bench_payments")
    parser.add_argument("--sqlite-decisions", type=int, default=1000)
    parser.add_argument(
        "--history", type=int, default=300_000, help="older closed payments in the PostgreSQL table first"
    )
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "payments.json"))
    args = parser.parse_args()
    if args.quick:
        args.decisions, args.callbacks, args.sqlite_decisions, args.history = 200, 1000, 100, 1000
        args.concurrency = min(args.concurrency, 64)

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    load_at_start = os.getloadavg()[0]
    data_dir = Path(tempfile.mkdtemp(prefix="tvp-bench-payments-"))
    secret = secrets.token_urlsafe(32)
    os.environ.update(
        {
            "TVP_ENV": "test",
            "TVP_DATA_DIR": str(data_dir),
            "TVP_BROKER_URL": "stub://",
            "TVP_JOBS_QUEUE": f"tvp-bench-{os.getpid()}",
            "TVP_PAYMENT_GATEWAY": "vnpay",
            "TVP_VNPAY_TMN_CODE": TMN,
            "TVP_VNPAY_HASH_SECRET": secret,
            "TVP_VNPAY_API_URL": "http://127.0.0.1:9/merchant_webapi/api/transaction",  # never called here
        }
    )
    from core.plugins import load_models, load_tasks
    from core.time import follow_test_clock

    follow_test_clock()  # under the test suite's moved clock, the same clock as `tvp serve`
    load_models()
    load_tasks()
    try:
        sqlite_creation = creation_on_sqlite(args.sqlite_decisions, data_dir)
        if args.callbacks_on == "postgresql":
            with scratch_postgres(args.postgres, args.scratch_db) as url:
                run = callbacks_run(args, url, secret, data_dir)
        else:
            run = callbacks_run(args, f"sqlite:///{data_dir / 'callbacks.db'}", secret, data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    creations = run.pop("_creations")
    result = {
        "quick": args.quick,
        "machine": {
            "cpus": os.cpu_count(),
            "load_1min_at_start": round(load_at_start, 2),
            "load_1min_at_end": round(os.getloadavg()[0], 2),
        },
        "callbacks": run,
        "creation": {
            "sqlite": sqlite_creation,
            # on PostgreSQL: the attempts of the callbacks' run (every one of them, second ones included)
            "postgresql" if run["database"] == "postgresql" else "sqlite_callbacks_db": timing(creations),
            "target_p99_ms": 100,
        },
        "passed": all(run["checks"].values()),
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
