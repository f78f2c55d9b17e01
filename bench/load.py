"""The citizen app and the review console under load (issue 16's target): on PostgreSQL with ≥ 1 million
notices of ≥ 100,000 citizens, ≥ 1,000 req/s with p99 < 50 ms for the citizen notice list.

    .venv/bin/python bench/load.py [--quick] [--notices 1000000] [--citizens 100000] [--queue 5000]
        [--workers 1,2,4] [--clients 64] [--seconds 20] [--reseed] [--keep]
        [--synchronous-commit on|off] [--profile-rounds 200] [--seed-only] [--driver raw|httpx]
        [--endpoints healthz,citizen_notice_list,citizen_notice_detail,review_queue]
        [--postgres URL] [--scratch-db tvp_bench_load] [--out bench/results/load.json]

1. Seeding. A scratch PostgreSQL database (``--scratch-db`` on the server of ``--postgres``, never the
   tests') is migrated by tvp's own Alembic migrations, then filled in bulk by ``INSERT … SELECT
   generate_series`` (no ORM objects one by one): cameras, ``--citizens`` citizens each with a registered
   vehicle, ``--notices`` confirmed candidates each with its published notice (delivered, acknowledged,
   paid, overdue…; ten a citizen on average, over the past year), and ``--queue`` candidates waiting for
   review. A database already seeded with these numbers is kept (``--reseed`` starts again); it is kept
   after the run with ``--keep`` (dropped otherwise), so that runs at other worker counts skip the seeding.
2. For each worker count in ``--workers``, `tvp serve --workers N` runs as a process on that database with
   a broker (Redis, its own queue name), the product's defaults otherwise (access log, metrics, audit).
3. ``--clients`` citizens sign in through the embedded VNeID stand-in (the authorization-code flow with
   PKCE, as the citizen app does) and a reviewer through the staff API's username + password sign-in.
   Then four phases of ``--seconds`` each, ``--clients`` in flight (``--driver raw``: asyncio streams
   speaking HTTP/1.1, bench/http_driver.py, about 0.1 ms of CPU a request; ``--driver httpx``: httpx's
   AsyncClient, about 1 ms; one keep-alive connection per client; ``--endpoints`` picks phases):
   ``/healthz`` without a token (what uvicorn, the middleware and this driver cost with no database),
   the citizen notice list (``GET /api/citizen/v1/notices``, each client as its own citizen), a notice
   detail (``GET /api/citizen/v1/notices/{id}``, the citizen's own notices, from
   their list) and the review queue page (``GET /review``, as the reviewer). Every answer must be 200.
   ``--synchronous-commit off`` sets it on the scratch database only: how much of an audited read is
   the WAL flush of its audit batch's commit.
4. Before serving, one list, one detail and one review-queue read are profiled in this process
   (``--profile-rounds``): statements per request, time waiting on SQL, in the commit and in Python,
   cProfile's heaviest functions, and EXPLAIN (ANALYZE, BUFFERS) of each SELECT ("where_time_goes").
5. Prints req/s and p50/p95/p99 per endpoint and worker count, and the CPU milliseconds per request of
   the server's processes, of PostgreSQL's and of the driver, and writes them to ``--out``. The driver
   is one Python process on the same machine as the server: on a 2-core box it takes a share of the
   CPUs, and the figures say the machine's load at the start and end of each run.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

ROOT = Path(__file__).resolve().parents[1]
# This script's folder first on the path would shadow tvp's packages (bench/payments.py is not `payments`).
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from bench.common import free_port, timing, use_database  # noqa: E402
from bench.http_driver import DriverError, RawClient  # noqa: E402

CLIENT_ID = "tvp-citizen-app"
REDIRECT = "tvp-citizen://callback"
REVIEWER = "bench-load-reviewer"
REVIEWER_PASSWORD = "bench-load-" + "reviewer-pass"  # a scratch database's user, never a real one
CAMERAS = 50
LIST = "/api/citizen/v1/notices"
SEED_MARK = "bench/load.py"


# --- the database ----------------------------------------------------------------------------------------


def server_conninfo(server_url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)


def database_url(server_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server_url).set(database=name, query={}).render_as_string(hide_password=False)


def ensure_database(server_url: str, name: str, *, fresh: bool) -> None:
    import psycopg

    with psycopg.connect(server_conninfo(server_url), autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def set_synchronous_commit(server_url: str, name: str, value: str) -> None:
    """For this scratch database only (new connections): the server keeps its own setting."""
    import psycopg

    with psycopg.connect(server_conninfo(server_url), autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = {value}')


def drop_database(server_url: str, name: str) -> None:
    import psycopg

    from core.db import reset_engine

    reset_engine()
    with psycopg.connect(server_conninfo(server_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Notice states a citizen sees, by share of the notices (issued ones are not published yet).
STATES = [
    ("delivered", 35),
    ("acknowledged", 15),
    ("paid", 35),
    ("overdue", 5),
    ("cancelled", 5),
    ("decided", 5),
]


def _state_case(column: str) -> str:
    cases, upto = [], 0
    for state, share in STATES[:-1]:
        upto += share
        cases.append(f"WHEN {column} < {upto} THEN '{state}'")
    return f"CASE {' '.join(cases)} ELSE '{STATES[-1][0]}' END"


SEED_SQL = [
    # Cameras.
    f"""INSERT INTO cameras (id, created_at, updated_at, code, name, road, province_code, latitude, longitude,
        speed_limit_kmh, active)
    SELECT md5('camera' || g)::uuid, now(), now(), 'LOAD-' || lpad(g::text, 3, '0'), 'Nút giao ' || g,
        'Đường ' || g, '79', 10.7 + g / 1000.0, 106.6 + g / 1000.0, 50, true
    FROM generate_series(1, {CAMERAS}) g""",  # noqa: S608 (a constant)
    # Citizens (valid CCCD: province 079, born 1990, male, serial g) and one car each.
    """INSERT INTO citizens (id, created_at, updated_at, cccd, full_name, birth_date, sex, address)
    SELECT md5('citizen' || g)::uuid, now(), now(), '079090' || lpad(g::text, 6, '0'),
        'Nguyễn Văn ' || g, DATE '1990-05-17', 'male', 'Số ' || g || ' đường Lê Lợi, TP Hồ Chí Minh'
    FROM generate_series(1, :citizens) g""",
    """INSERT INTO vehicles (id, created_at, updated_at, plate, plate_display, vehicle_type, colour, brand,
        owner_cccd, registration_status, stolen, wanted, owner_kind)
    SELECT md5('vehicle' || g)::uuid, now(), now(),
        (50 + g / 100000) || 'A' || lpad((g % 100000)::text, 5, '0'),
        (50 + g / 100000) || 'A-' || lpad(((g % 100000) / 100)::text, 3, '0') || '.'
            || lpad((g % 100)::text, 2, '0'),
        'car', 'Trắng', 'Toyota', '079090' || lpad(g::text, 6, '0'), 'registered', false, false, 'person'
    FROM generate_series(1, :citizens) g""",
    # Confirmed candidates, one notice each; candidate n belongs to citizen 1 + n % citizens.
    """INSERT INTO violation_candidates (id, created_at, updated_at, camera_id, detected_at, violation_code,
        plate, plate_confidence, vehicle_class, measured, provenance, dedup_key, status, flags, reviewed_by,
        reviewed_at)
    SELECT md5('candidate' || n)::uuid, at, at, md5('camera' || (1 + n % 50))::uuid, at, 'RED_LIGHT',
        (50 + c / 100000) || 'A' || lpad((c % 100000)::text, 5, '0'), 0.97, 'car',
        '{"time_into_red_s": 1.8}', '{}', 'load:' || n, 'confirmed', '[]', 'staff:bench',
        at + interval '1 hour'
    FROM (SELECT n, 1 + n % :citizens AS c,
                 now() - interval '2 days' - (n % 525600) * interval '1 minute' AS at
          FROM generate_series(1, :notices) n) s""",
    f"""INSERT INTO notices (id, created_at, updated_at, number, candidate_id, owner_cccd, owner_snapshot,
        violation_code, legal_basis, amount_vnd, points, status, issued_at, due_date)
    SELECT md5('notice' || n)::uuid, at, at, 'TVP-LOAD-' || lpad(n::text, 8, '0'),
        md5('candidate' || n)::uuid,
        '079090' || lpad(c::text, 6, '0'),
        json_build_object('plate', p, 'plate_display', p, 'vehicle_type', 'car', 'brand', 'Toyota',
            'colour', 'Trắng', 'registration_status', 'registered',
            'owner', json_build_object('cccd', '079090' || lpad(c::text, 6, '0'),
                'full_name', 'Nguyễn Văn ' || c,
                'address', 'TP Hồ Chí Minh', 'kind', 'person')),
        'RED_LIGHT', 'Nghị định 168/2024/NĐ-CP, Điều 6 khoản 9 điểm b', 18000000, 4,
        {_state_case("n % 100")}, at + interval '1 hour', (at + interval '11 days')::date
    FROM (SELECT n, 1 + n % :citizens AS c,
                 (50 + (1 + n % :citizens) / 100000) || 'A'
                     || lpad(((1 + n % :citizens) % 100000)::text, 5, '0') AS p,
                 now() - interval '2 days' - (n % 525600) * interval '1 minute' AS at
          FROM generate_series(1, :notices) n) s""",  # noqa: S608 (the states' constant CASE)
    # The review queue: candidates waiting for a first look, the oldest a few days old.
    """INSERT INTO violation_candidates (id, created_at, updated_at, camera_id, detected_at, violation_code,
        plate, plate_confidence, vehicle_class, measured, provenance, dedup_key, status, flags)
    SELECT md5('queued' || n)::uuid, at, at, md5('camera' || (1 + n % 50))::uuid, at,
        CASE WHEN n % 3 = 0 THEN 'SPEEDING' ELSE 'RED_LIGHT' END,
        (50 + (1 + n % :citizens) / 100000) || 'A' || lpad(((1 + n % :citizens) % 100000)::text, 5, '0'),
        0.6 + (n % 40) / 100.0, 'car', '{}', '{}', 'load-queue:' || n, 'pending_review', '[]'
    FROM (SELECT n, now() - (n % 7200) * interval '1 minute' AS at FROM generate_series(1, :queue) n) s""",
]


def seeded_counts(session: Any) -> tuple[int, int, int] | None:
    from sqlalchemy import text

    row = session.execute(text("SELECT obj_description('notices'::regclass, 'pg_class')")).scalar()
    if not row or not str(row).startswith(SEED_MARK):
        return None
    _, citizens, notices, queue = str(row).split()
    return int(citizens), int(notices), int(queue)


def seed(citizens: int, notices: int, queue: int) -> dict[str, Any]:
    """Fill the (migrated, empty) database; the seconds each step took."""
    from sqlalchemy import text

    from core.auth.service import create_user
    from core.db import session_scope
    from core.models import Role

    steps: dict[str, float] = {}
    names = ["cameras", "citizens", "vehicles", "candidates", "notices", "review_queue"]
    numbers = {"citizens": citizens, "notices": notices, "queue": queue}
    started = time.perf_counter()
    with session_scope() as s:
        for name, sql in zip(names, SEED_SQL, strict=True):
            t = time.perf_counter()
            s.execute(text(sql), {k: v for k, v in numbers.items() if f":{k}" in sql})
            steps[name] = round(time.perf_counter() - t, 1)
            print(f"  seeded {name} in {steps[name]} s", flush=True)
        create_user(
            s,
            username=REVIEWER,
            full_name="Bench Reviewer",
            password=REVIEWER_PASSWORD,
            roles=[Role.reviewer],
        )
        s.execute(text(f"COMMENT ON TABLE notices IS '{SEED_MARK} {citizens} {notices} {queue}'"))
    t = time.perf_counter()
    with session_scope() as s:
        s.execute(text("ANALYZE"))
    steps["analyze"] = round(time.perf_counter() - t, 1)
    return {"seconds": round(time.perf_counter() - started, 1), "steps": steps}


def seed_once(args: argparse.Namespace, url: str) -> dict[str, Any]:
    from core.db import session_scope

    use_database(url)
    with session_scope(writes=False) as s:
        found = seeded_counts(s)
    wanted = (args.citizens, args.notices, args.queue)
    if found == wanted:
        return {"seconds": 0.0, "skipped": "already seeded with these numbers"}
    if found is not None:
        raise SystemExit(f"{args.scratch_db} holds another seeding {found}: run with --reseed")
    print(
        f"seeding {args.notices:,} notices of {args.citizens:,} citizens, {args.queue:,} queued", flush=True
    )
    return seed(*wanted)


def sample_citizens(count: int, citizens: int) -> list[str]:
    """``count`` different citizens, spread over all of them."""
    step = max(1, citizens // count)
    return [f"079090{1 + i * step:06d}" for i in range(count)]


# --- where the time goes --------------------------------------------------------------------------------


@dataclass
class SqlClock:
    """Every statement a block of code sends (with its parameters) and the time spent waiting for them."""

    statements: list[tuple[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    _started: float = 0.0

    @contextmanager
    def watching(self) -> Iterator[SqlClock]:
        from sqlalchemy import event

        from core.db import get_engine

        engine = get_engine()

        def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            self.statements.append((statement, parameters))
            self._started = time.perf_counter()

        def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            self.seconds += time.perf_counter() - self._started

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        try:
            yield self
        finally:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)


def list_request(cccd: str) -> float:
    """What GET /notices does between the route and the JSON (no HTTP): the seconds its commit took."""
    from citizen_app_api import service
    from core.db import get_sessionmaker

    with get_sessionmaker()() as s:
        service.list_notices(s, cccd, status=None, page=1, size=20).model_dump_json()
        started = time.perf_counter()
        s.commit()
        return time.perf_counter() - started


def detail_request(cccd: str, notice_id: uuid.UUID) -> float:
    from citizen_app_api import service
    from core.db import get_sessionmaker

    with get_sessionmaker()() as s:
        service.notice_detail(s, notice_id, cccd).model_dump_json()
        started = time.perf_counter()
        s.commit()
        return time.perf_counter() - started


def review_queue_request(actor: str) -> float:
    """What GET /review reads (its template aside): the page of the queue, the counts, the filters'
    choices and the reviewer's own figures."""
    from core.db import get_sessionmaker
    from penalties.review.queue import QueueFilter, filter_choices, queue, queue_counts
    from penalties.review.workday import reviewer_figures

    with get_sessionmaker()() as s:
        queue(s, QueueFilter(), supervisor=False, page=1, size=25)
        queue_counts(s, QueueFilter(), supervisor=False)
        filter_choices(s, supervisor=False)
        reviewer_figures(s, actor)
        started = time.perf_counter()
        s.commit()
        return time.perf_counter() - started


def explain(statement: str, parameters: Any) -> list[str]:
    from core.db import get_engine

    with get_engine().connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars().all()
        conn.rollback()  # an audit INSERT explained with ANALYZE ran: undo it
    return [str(line) for line in plan]


def one_request(name: str, call: Any, rounds: int) -> dict[str, Any]:
    """``call`` run ``rounds`` times, one after another (no concurrency): its statements, the share of the
    time spent waiting on PostgreSQL, on the commit, and in Python; the heaviest functions (cProfile)."""
    import cProfile
    import io
    import pstats

    call(0)  # warm: imports, caches, the pool's first connection
    with SqlClock().watching() as first:
        call(1)
    clock, commits = SqlClock(), 0.0
    started = time.perf_counter()
    with clock.watching():
        for n in range(rounds):
            commits += call(n)
    wall = time.perf_counter() - started
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(rounds):
        call(n)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    selects = [(s, p) for s, p in first.statements if s.lstrip().upper().startswith("SELECT")]
    return {
        "request": name,
        "rounds": rounds,
        "ms_per_request": round(wall / rounds * 1000, 2),
        "statements_per_request": len(first.statements),
        "statements": [" ".join(s.split())[:160] for s, _ in first.statements],
        "ms_waiting_on_sql": round(clock.seconds / rounds * 1000, 2),
        "ms_in_commit": round(commits / rounds * 1000, 2),
        "ms_in_python": round((wall - clock.seconds - commits) / rounds * 1000, 2),
        "top_functions_by_own_time": [
            line for line in out.getvalue().splitlines() if line.strip() and "/" in line
        ][:12],
        "plans": [{"sql": " ".join(s.split())[:300], "plan": explain(s, p)} for s, p in selects],
    }


def where_time_goes(cccds: list[str], rounds: int) -> list[dict[str, Any]]:
    """One list and one detail request profiled in this process against the seeded database."""
    from sqlalchemy import select

    from core.db import session_scope
    from penalties.notices.models import Notice, NoticeStatus

    with session_scope(writes=False) as s:
        mine = {
            c: s.scalars(
                select(Notice.id).where(Notice.owner_cccd == c, Notice.status != NoticeStatus.issued).limit(1)
            ).one()
            for c in cccds[:rounds]
        }
    people = list(mine)
    return [
        one_request("citizen_notice_list", lambda n: list_request(people[n % len(people)]), rounds),
        one_request(
            "citizen_notice_detail",
            lambda n: detail_request(people[n % len(people)], mine[people[n % len(people)]]),
            rounds,
        ),
        one_request("review_queue", lambda n: review_queue_request("staff:bench"), max(3, rounds // 20)),
    ]


# --- the server ------------------------------------------------------------------------------------------


def tvp_command() -> list[str]:
    script = Path(sys.executable).parent / "tvp"
    return [str(script)] if script.exists() else [sys.executable, "-m", "core.cli"]


@contextmanager
def tvp_serve(workers: int, log: Path, env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = {
        **os.environ,
        **env,
        "PYTHONPATH": str(ROOT),
        "TVP_IDP_ISSUER": f"{base}/idp",
        "TVP_IDP_REDIRECT_URIS": json.dumps([f"{base}/citizen/callback", REDIRECT]),
        "TVP_CITIZEN_API_BASE_URL": base,
    }
    settings.pop("PROMETHEUS_MULTIPROC_DIR", None)  # serve makes one for its workers
    command = [*tvp_command(), "serve", "--workers", str(workers), "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=settings, stdout=out, stderr=out, cwd=ROOT)  # noqa: S603
    try:
        deadline = time.monotonic() + 180  # a loaded 2-core machine imports the models slowly
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"tvp serve did not start (exit {proc.poll()}):\n{log.read_text()[-3000:]}"
                )
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


# --- signing in ------------------------------------------------------------------------------------------


async def citizen_token(client: httpx.AsyncClient, cccd: str) -> str:
    """The embedded IdP's authorization-code flow with PKCE, as the citizen app runs it."""
    verifier = secrets.token_urlsafe(40)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state, nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
    form = {
        "cccd": cccd,
        "passcode": os.environ.get("TVP_IDP_DEMO_PASSCODE", "123456"),
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge,
    }
    signed = await client.post("/idp/authorize", data=form, follow_redirects=False)
    if signed.status_code != 303:
        raise RuntimeError(f"sign-in of {cccd}: HTTP {signed.status_code} {signed.text[:200]}")
    query = parse_qs(urlparse(signed.headers["location"]).query)
    if query.get("state") != [state] or "code" not in query:
        raise RuntimeError(f"sign-in of {cccd}: {signed.headers['location']}")
    exchange = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
        "code_verifier": verifier,
    }
    token = await client.post("/idp/token", data=exchange)
    if token.status_code != 200:
        raise RuntimeError(f"token for {cccd}: HTTP {token.status_code} {token.text[:200]}")
    return str(token.json()["id_token"])


async def sign_in(base: str, cccds: list[str]) -> tuple[dict[str, str], str, float]:
    """A token per citizen (8 sign-ins at a time) and the reviewer's; the seconds it took."""
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        gate = asyncio.Semaphore(8)

        async def one(cccd: str) -> tuple[str, str]:
            async with gate:
                return cccd, await citizen_token(client, cccd)

        tokens = dict(await asyncio.gather(*(one(c) for c in cccds)))
        staff = await client.post(
            "/api/auth/token", json={"username": REVIEWER, "password": REVIEWER_PASSWORD}
        )
        if staff.status_code != 200:
            raise RuntimeError(f"reviewer sign-in: HTTP {staff.status_code} {staff.text[:200]}")
    return tokens, str(staff.json()["access_token"]), time.perf_counter() - started


# --- the driver ------------------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    bad: list[str] = field(default_factory=list)
    sent: int = 0  # the warm-up's requests too

    def add(self, status: str, latency: float, body: str = "") -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(latency)
        if status != "200" and len(self.bad) < 5:
            self.bad.append(f"{status}: {body[:200]}")

    def figures(self) -> dict[str, Any]:
        done = sum(self.statuses.values())
        return {
            "requests": done,
            "seconds": round(self.seconds, 2),
            "req_per_s": round(done / self.seconds, 1) if self.seconds else 0.0,
            "statuses": dict(sorted(self.statuses.items())),
            "all_200": set(self.statuses) == {"200"},
            "latency": timing(self.latencies),
            **({"not_200": self.bad} if self.bad else {}),
        }


class CpuClock:
    """CPU seconds (user + system, from /proc) of the server's process tree, of PostgreSQL's processes
    and of this driver over a block. Linux only; a process that ends within the block is not counted."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.used: dict[str, float] = {}

    def __enter__(self) -> CpuClock:
        self._start = self._now()
        return self

    def __exit__(self, *_: object) -> None:
        end = self._now()
        self.used = {k: end[k] - self._start[k] for k in end}

    def per_request(self, requests: int) -> dict[str, float]:
        return {k: round(1000 * v / requests, 2) for k, v in self.used.items()} if requests else {}

    def _now(self) -> dict[str, float]:
        stats = _proc_stats()
        children: dict[int, list[int]] = {}
        for pid, (_name, ppid, _cpu) in stats.items():
            children.setdefault(ppid, []).append(pid)
        tree, todo = set(), [self.server_pid]
        while todo:
            pid = todo.pop()
            tree.add(pid)
            todo += children.get(pid, [])
        return {
            "server": sum(stats[p][2] for p in tree if p in stats),
            "postgres": sum(cpu for name, _, cpu in stats.values() if name == "postgres"),
            "driver": time.process_time(),
        }


def _proc_stats() -> dict[int, tuple[str, int, float]]:
    """pid → (command name, parent pid, CPU seconds) of every process."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        found[int(entry.name)] = (name, int(rest[1]), (int(rest[11]) + int(rest[12])) / tick)
    return found


async def run_phase(
    base: str,
    phase: Phase,
    paths: list[tuple[str, list[str]]],
    seconds: float,
    warmup_s: float,
    driver: str = "raw",
) -> None:
    """Each client (its token, its paths) sends one request after another, round the paths, for
    ``seconds`` after ``warmup_s`` of unrecorded requests. ``driver``: "raw" (bench/http_driver.py, a
    few tens of microseconds a request) or "httpx" (its AsyncClient, about a millisecond)."""
    started = time.perf_counter()
    recording_from = started + warmup_s
    until = recording_from + seconds
    send = _raw_sender(base) if driver == "raw" else _httpx_sender(base, len(paths))
    async with send as get:

        async def loop(token: str, urls: list[str]) -> None:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            call = get(headers)
            n = 0
            while True:
                sent = time.perf_counter()
                if sent >= until:
                    return
                url = urls[n % len(urls)]
                n += 1
                phase.sent += 1
                try:
                    status, body = await call(url)
                except (OSError, httpx.TransportError, DriverError, asyncio.IncompleteReadError) as exc:
                    status, body = f"error {exc.__class__.__name__}", str(exc)
                if sent >= recording_from:
                    phase.add(status, time.perf_counter() - sent, body)

        await asyncio.gather(*(loop(token, urls) for token, urls in paths))
    phase.seconds = time.perf_counter() - recording_from


Get = Any  # (headers) -> async (url) -> (status, body of a non-200 answer)


@asynccontextmanager
async def _raw_sender(base: str) -> AsyncIterator[Get]:
    address = urlparse(base)
    clients: list[RawClient] = []

    def get(headers: dict[str, str]) -> Any:
        client = RawClient(address.hostname or "127.0.0.1", address.port or 80, headers)
        clients.append(client)

        async def call(url: str) -> tuple[str, str]:
            answer = await client.get(url)
            ok = answer.status == 200
            return str(answer.status), "" if ok else answer.body.decode("utf-8", "replace")

        return call

    try:
        yield get
    finally:
        for client in clients:
            await client.close()


@asynccontextmanager
async def _httpx_sender(base: str, connections: int) -> AsyncIterator[Get]:
    limits = httpx.Limits(
        max_connections=connections, max_keepalive_connections=connections, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        def get(headers: dict[str, str]) -> Any:
            async def call(url: str) -> tuple[str, str]:
                answer = await client.get(url, headers=headers)
                return str(answer.status_code), answer.text if answer.status_code != 200 else ""

            return call

        yield get


async def notice_ids(base: str, tokens: dict[str, str]) -> dict[str, list[str]]:
    """The notices each citizen's list shows (its first page): what their detail requests ask for."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:

        async def mine(cccd: str, token: str) -> tuple[str, list[str]]:
            page = await client.get(LIST, headers={"Authorization": f"Bearer {token}"})
            if page.status_code != 200:
                raise RuntimeError(f"{LIST} as {cccd}: HTTP {page.status_code} {page.text[:300]}")
            return cccd, [item["id"] for item in page.json()["items"]]

        found = await asyncio.gather(*(mine(c, t) for c, t in tokens.items()))
    return {c: ids for c, ids in found if ids}


def run_workers(
    workers: int, args: argparse.Namespace, cccds: list[str], env: dict[str, str], log: Path
) -> dict[str, Any]:
    load_at_start = os.getloadavg()[0]
    with tvp_serve(workers, log, env) as (base, proc):
        tokens, staff, signin_s = asyncio.run(sign_in(base, cccds))
        ids = asyncio.run(notice_ids(base, tokens))
        phases = {
            # No database, no sign-in: what uvicorn, the middleware and this driver cost on their own.
            "healthz": [("", ["/healthz"])] * args.clients,
            "citizen_notice_list": [(t, [LIST]) for t in tokens.values()],
            "citizen_notice_detail": [(tokens[c], [f"{LIST}/{i}" for i in ids[c]]) for c in ids],
            "review_queue": [(staff, ["/review"])] * args.clients,
        }
        results = {}
        for name, paths in phases.items():
            if args.endpoints and name not in args.endpoints:
                continue
            phase = Phase(name)
            with CpuClock(proc.pid) as cpu:
                asyncio.run(run_phase(base, phase, paths, args.seconds, args.warmup, args.driver))
            results[name] = {**phase.figures(), "cpu_ms_per_request": cpu.per_request(phase.sent)}
            figures, ms = results[name], results[name]["latency"]
            print(
                f"  workers={workers} {name}: {figures['req_per_s']} req/s, p50 {ms['p50_ms']} ms,"
                f" p95 {ms['p95_ms']} ms, p99 {ms['p99_ms']} ms, statuses {figures['statuses']};"
                f" CPU ms a request {figures['cpu_ms_per_request']}",
                flush=True,
            )
    return {
        "workers": workers,
        "clients": args.clients,
        "citizens_signed_in": len(tokens),
        "sign_in_seconds": round(signin_s, 1),
        "load_1min_at_start": round(load_at_start, 2),
        "load_1min_at_end": round(os.getloadavg()[0], 2),
        "endpoints": results,
    }


def clear_queue(name: str, redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"dramatiq:{name}*"):
        client.delete(key)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a small run: 2,000 notices, 2 s per endpoint")
    parser.add_argument("--notices", type=int, default=1_000_000)
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--queue", type=int, default=5_000, help="candidates waiting for review")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to run, comma-separated")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients, each its own citizen")
    parser.add_argument("--seconds", type=float, default=20.0, help="recorded seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=3.0, help="unrecorded seconds before each endpoint")
    parser.add_argument("--reseed", action="store_true", help="drop the scratch database and seed again")
    parser.add_argument(
        "--seed-only", action="store_true", help="seed (or find seeded) and stop; implies --keep"
    )
    parser.add_argument(
        "--profile-rounds", type=int, default=200, help="requests profiled in-process (0: none)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the seeded database for the next run")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--scratch-db", default="tvp_bench_load")
    parser.add_argument(
        "--synchronous-commit",
        choices=["on", "off"],
        default="on",
        help="the scratch database's synchronous_commit (off: commits do not wait for the WAL flush)",
    )
    parser.add_argument(
        "--driver",
        choices=["raw", "httpx"],
        default="raw",
        help="the load driver: raw asyncio HTTP/1.1 (lean) or httpx's AsyncClient",
    )
    parser.add_argument(
        "--endpoints",
        type=lambda text: [e for e in text.split(",") if e],
        default=[],
        help="only these phases (healthz, citizen_notice_list, citizen_notice_detail, review_queue)",
    )
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "load.json"))
    args = parser.parse_args()
    if args.quick:
        args.notices, args.citizens, args.queue = 2_000, 200, 100
        args.clients, args.seconds, args.warmup = min(args.clients, 8), 2.0, 0.5
        args.profile_rounds = min(args.profile_rounds, 20)
    worker_counts = [int(w) for w in args.workers.split(",") if w.strip()]  # none: seed and profile only
    if args.clients > args.citizens:
        raise SystemExit("--clients must not exceed --citizens (each client is its own citizen)")

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    # One data folder per scratch database: the audit key and the IdP's signing key stay the same
    # between runs that keep the database.
    data_dir = Path(tempfile.gettempdir()) / f"tvp-bench-load-{args.scratch_db}"
    data_dir.mkdir(exist_ok=True)
    queue = f"tvp-bench-load-{os.getpid()}"
    env = {"TVP_DATA_DIR": str(data_dir), "TVP_BROKER_URL": args.broker, "TVP_JOBS_QUEUE": queue}
    os.environ.update(env)
    from core.plugins import load_models, load_tasks

    load_models()
    load_tasks()
    url = database_url(args.postgres, args.scratch_db)
    ensure_database(args.postgres, args.scratch_db, fresh=args.reseed)
    runs = []
    try:
        seeding = seed_once(args, url)
        set_synchronous_commit(args.postgres, args.scratch_db, args.synchronous_commit)
        cccds = sample_citizens(args.clients, args.citizens)
        profile = (
            where_time_goes(cccds, args.profile_rounds) if args.profile_rounds and not args.seed_only else []
        )
        for workers in [] if args.seed_only else worker_counts:
            log = data_dir / f"serve-{workers}.log"
            runs.append(run_workers(workers, args, cccds, {**env, "TVP_DATABASE_URL": url}, log))
    finally:
        clear_queue(queue, args.broker)
        if not (args.keep or args.seed_only):
            drop_database(args.postgres, args.scratch_db)
    result = {
        "quick": args.quick,
        "driver": args.driver,
        "machine": {"cpus": os.cpu_count(), "note": "shared box: other people's work runs beside this"},
        "database": {
            "engine": "postgresql",
            "notices": args.notices,
            "citizens": args.citizens,
            "review_queue": args.queue,
            "synchronous_commit": args.synchronous_commit,
            "seeding": seeding,
        },
        "target": {"endpoint": "citizen_notice_list", "req_per_s": 1000, "p99_ms": 50},
        "runs": runs,
        "where_time_goes": profile,
        "all_200": all(e["all_200"] for r in runs for e in r["endpoints"].values()),
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["all_200"] else 1


if __name__ == "__main__":
    sys.exit(main())
