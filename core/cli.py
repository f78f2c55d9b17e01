"""The ``tvp`` command line.

Its own groups (``db``, ``seed``, ``audit``, ``jobs``, ``users``) live here; every other package plugs in
through one convention. A package (or a subpackage of ``penalties``) may have a ``cli`` module
(``detection/cli.py``, ``penalties/runs/cli.py``…, found by ``core.plugins.cli_modules``) that declares

* ``GROUPS: dict[str, typer.Typer]`` — command groups by name: ``tvp NAME COMMAND``, named after what
  they hold (``runs``, ``cameras``, ``evidence``), and/or
* ``COMMANDS: dict[str, Callable]`` — top-level commands: ``tvp NAME`` (``process``, ``replay``).

Several packages may add commands to the same group (``tvp cameras check`` comes from ``detection``,
``tvp cameras run`` from ``penalties.runs``): the bottom-most package's Typer gives the group its help.
A ``cli`` module with neither, a value of the wrong type, or a name already taken stops ``tvp`` at
start-up with ``PluginShapeError``. A Typer made with ``hidden=True`` is an alias kept out of ``--help``.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from core.config import Environment, InsecureSettings, Settings, get_settings
from core.console import err, fail, out
from core.plugins import cli_modules, modules_with
from core.time import follow_test_clock

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from typer.models import CommandInfo

    from core.anchors import AnchorLog

app = typer.Typer(help="tvp — traffic-violation processing and e-payment platform.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
seed_app = typer.Typer(help="Load data sets.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
jobs_app = typer.Typer(help="Background jobs and dead letters.", no_args_is_help=True)
users_app = typer.Typer(help="Staff users.", no_args_is_help=True)
for sub, name in (
    (db_app, "db"),
    (seed_app, "seed"),
    (audit_app, "audit"),
    (jobs_app, "jobs"),
    (users_app, "users"),
):
    app.add_typer(sub, name=name)


def _settings_or_exit():  # type: ignore[no-untyped-def]
    try:
        return get_settings()
    except InsecureSettings as exc:
        err.print(f"[bold red]Refusing to start:[/] {exc}")
        raise typer.Exit(2) from exc


def _server_logs(settings: Settings) -> None:
    from core.logs import configure_server

    configure_server(settings, logging.getLogger().level)


def _schema_or_exit() -> None:
    """Exit 2 unless the database is migrated to this tvp's head (commands never migrate it)."""
    from core.migrate import SchemaNotCurrent, require_head

    try:
        require_head()
    except SchemaNotCurrent as exc:
        err.print(f"[bold red]{escape(str(exc))}[/]")
        raise typer.Exit(2) from exc


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    from core.logs import configure

    chosen = os.environ.get("TVP_LOG_FORMAT", "text")
    configure("json" if chosen == "json" else "text", logging.DEBUG if verbose else logging.INFO)
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (more than 1 needs PostgreSQL and a broker)")
    ] = 1,
) -> None:
    """Serve the API, citizen API and staff pages (jobs run in-process on the embedded default)."""
    import uvicorn

    from core.app import create_app

    settings = _settings_or_exit()
    if workers > 1:
        _several_workers_or_exit(settings)
    _server_logs(settings)
    # log_config=None: uvicorn's loggers go through ours (JSON in production); its access log is
    # replaced by tvp.access, written inside the request so that it carries the request id.
    common: dict[str, Any] = {
        "host": host or settings.host,
        "port": port or settings.port,
        "log_level": "info",
        "log_config": None,
        "access_log": False,
    }
    if workers == 1:
        uvicorn.run(create_app(settings, run_jobs=settings.uses_stub_broker), **common)
        return
    # Each worker is a spawned process that imports the factory and builds its own app (and log handler
    # and test clock) from the same environment; TVP_LOG_LEVEL carries this process's level over.
    os.environ[SERVE_LOG_LEVEL_ENV] = str(logging.getLogger().level)
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # /metrics is answered by one worker: the counters of all of them meet in files here.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="tvp-metrics-")
    uvicorn.run(SERVE_FACTORY, factory=True, workers=workers, **common)


SERVE_FACTORY = "core.app:create_app_from_env"
SERVE_LOG_LEVEL_ENV = "TVP_SERVE_LOG_LEVEL"


def _several_workers_or_exit(settings: Settings) -> None:
    from core.db import get_engine

    problems = []
    if settings.uses_stub_broker:
        problems.append("TVP_BROKER_URL is stub:// (jobs run inside the one serving process)")
    if get_engine().dialect.name == "sqlite":
        problems.append("the database is a SQLite file (one process writes it)")
    if problems:
        err.print(
            "[bold red]--workers above 1 needs PostgreSQL and a broker:[/] "
            + "; ".join(problems)
            + ". Set TVP_DATABASE_URL=postgresql+psycopg://… and TVP_BROKER_URL=amqp://… or redis://…, "
            "and run the jobs with `tvp worker`."
        )
        raise typer.Exit(2)
    if settings.rate_limit_storage.startswith("memory:"):
        err.print(
            "[yellow]TVP_RATE_LIMIT_STORAGE is memory://: each worker counts failed sign-ins on its own; "
            "use redis://… to share the limits.[/]"
        )


@app.command()
def worker(
    threads: Annotated[int | None, typer.Option(help="Job threads")] = None,
    jobs: Annotated[
        str,
        typer.Option(
            help="Which jobs: all, short (notices, payments, delivery…) or long (footage, live cameras)"
        ),
    ] = "all",
) -> None:
    """Run background jobs from the broker (and relay newly committed jobs to it)."""
    from core.jobs.worker import KINDS, JobWorker

    if jobs not in KINDS:
        raise fail(f"--jobs must be one of {', '.join(KINDS)}, not {jobs!r}")

    settings = _settings_or_exit()
    _server_logs(settings)
    if settings.uses_stub_broker:
        err.print(
            "[yellow]TVP_BROKER_URL is stub://: jobs already run inside `tvp serve`; "
            "this worker only sees jobs it enqueues itself.[/]"
        )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    job_worker = JobWorker(threads=threads, kinds=jobs).start()
    out.print(f"worker running {jobs} jobs of queue [bold]{settings.jobs_queue}[/] — Ctrl+C to stop")
    stop.wait()
    job_worker.stop()


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    from core.audit import ChainBrokenError
    from core.migrate import current_revision, upgrade

    _settings_or_exit()
    try:
        upgrade(revision)
    except ChainBrokenError as exc:
        err.print(f"[bold red]Migration refused:[/] {exc}")
        raise typer.Exit(1) from exc
    out.print(f"database at revision [bold]{current_revision()}[/]")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (``base`` empties the database)."""
    from core.migrate import current_revision, downgrade

    _settings_or_exit()
    downgrade(revision)
    out.print(f"database at revision [bold]{current_revision()}[/]")


@db_app.command("current")
def db_current() -> None:
    """Show the database's revision."""
    from core.migrate import current_revision

    _settings_or_exit()
    out.print(current_revision() or "(empty database)")


@db_app.command("check")
def db_check() -> None:
    """Fail if the models and the migrated schema differ (a migration is missing)."""
    from core.migrate import drift

    _settings_or_exit()
    diffs = drift()
    if diffs:
        for d in diffs:
            err.print(f"[red]drift:[/] {d}")
        raise typer.Exit(1)
    out.print("models and migrations agree")


def _refuse_demo_in_production(settings: Settings) -> None:
    if settings.env is Environment.production:
        err.print(
            "[bold red]Refusing:[/] the demo seeds staff accounts with a published password; "
            "it never runs with TVP_ENV=production. Use `tvp db upgrade`, `tvp users create` and `tvp serve`."
        )
        raise typer.Exit(2)


@seed_app.command("demo")
def seed_demo(
    citizens: Annotated[int, typer.Option(help="How many citizens to generate")] = 60,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data)")] = 2026,
) -> None:
    """Generate a realistic demo data set: staff, citizens, vehicles, cameras."""
    from core.demo import seed_all

    _refuse_demo_in_production(_settings_or_exit())
    counts = seed_all(random.Random(seed), citizens=citizens)
    table = Table("created", "count")
    for name, n in counts.items():
        table.add_row(name, str(n))
    out.print(table)


FootageOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--footage", help="A real clip to process into the review queue (repeatable; pair each with --camera)"
    ),
]
DemoCameraOpt = Annotated[
    list[Path] | None,
    typer.Option("--camera", help="The camera YAML of the --footage clip in the same position"),
]
FootageDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--footage-dir", help="A folder of clips, each with its camera YAML by name (a.mp4, a.yaml)"
    ),
]


def _demo_footage(
    footage: list[Path], cameras: list[Path], footage_dir: Path | None, span: tuple[str | None, str | None]
) -> Callable[[], int] | None:
    """The footage hook (penalties.runs.demo) once it has checked every clip and camera file; None
    without footage."""
    if not footage and not cameras and footage_dir is None:
        if any(span):
            raise fail("--from/--to limit the --footage clips: give one")
        return None
    hooks = modules_with("demo_footage", "demo")
    if not hooks:
        raise fail("--footage needs the penalties package (footage processing), which is not installed")
    loader: Callable[[], int] = hooks[0].demo_footage(footage, cameras, footage_dir, *span)
    return loader


@app.command()
def demo(
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the server")] = True,
    footage: FootageOpt = None,
    camera: DemoCameraOpt = None,
    footage_dir: FootageDirOpt = None,
    span_from: Annotated[
        str | None, typer.Option("--from", help="Process each clip from here (12.5, 01:10, f120)")
    ] = None,
    span_to: Annotated[
        str | None, typer.Option("--to", help="…and stop before here: a time or a frame, as --from")
    ] = None,
) -> None:
    """The main job on the embedded default: migrate, seed the demo data, and serve. With --footage
    (or --footage-dir) real clips fill the review queue instead of the drawn scenes."""
    from core.demo import seed_all
    from core.migrate import upgrade
    from core.seed import DEMO_PASSWORD, DEMO_STAFF

    settings = _settings_or_exit()
    _refuse_demo_in_production(settings)
    load_footage = _demo_footage(footage or [], camera or [], footage_dir, (span_from, span_to))
    with out.status("migrating the database…"):
        upgrade()
    with out.status("loading demo data…"):
        counts = seed_all(random.Random(2026), scenes=load_footage is None)
    out.print(f"[green]demo data ready[/] ({', '.join(f'{k}: {v}' for k, v in counts.items())} new)")
    if load_footage is not None:
        out.print(f"[green]real footage processed[/]: {load_footage()} new candidates in the review queue")
    table = Table("username", "roles", "password", title="Demo staff sign-in")
    for username, _name, roles in DEMO_STAFF:
        table.add_row(username, ", ".join(r.value for r in roles), DEMO_PASSWORD)
    out.print(table)
    url = f"http://{settings.host}:{port or settings.port}"
    out.print(f"Staff pages: [bold]{url}/login[/]   API docs: [bold]{url}/docs[/]")
    if serve_after:
        for module in modules_with("demo_services", "demo"):  # e.g. the embedded payment gateway sandbox
            started = module.demo_services(settings, url)
            if started:
                out.print(f"{module.__name__}: [bold]{started}[/]")
        serve(host=None, port=port)


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit chain and its anchors: exits 1 if any entry was edited, removed or reordered."""
    from core.anchors import load_anchors
    from core.audit import verify_chain
    from core.db import session_scope

    _settings_or_exit()
    anchors = load_anchors()
    with session_scope(writes=False) as session:
        report = verify_chain(session, anchors=anchors)
    if report.ok:
        out.print(f"[green]audit chain intact[/]: {report.checked} entries verified")
        print_anchor_note(anchors)
        return
    for problem in report.problems:
        err.print(f"[red]✗[/] {problem}")
    err.print(
        f"[bold red]audit chain BROKEN[/] ({len(report.problems)} problems in {report.checked} entries)"
    )
    raise typer.Exit(1)


def print_anchor_note(anchors: AnchorLog) -> None:
    from core.config import get_settings

    where = get_settings().resolved_anchor_dir
    if anchors.anchors:
        out.print(f"checked against {len(anchors.anchors)} signed anchors in {where}")
    else:
        out.print(
            f"[yellow]no anchors yet[/] in {where}: a cut-off tail cannot be detected until "
            "`tvp audit anchor` (or the hourly job) has written one"
        )


@audit_app.command("anchor")
def audit_anchor() -> None:
    """Export the signed head of every chain (audit log, each camera's evidence) to the anchor folder."""
    from core.anchors import write_anchor
    from core.db import session_scope

    settings = _settings_or_exit()
    try:
        with session_scope(writes=False) as session:
            path = write_anchor(session)
    except OSError as exc:
        err.print(f"[red]cannot write to the anchor folder {settings.resolved_anchor_dir}:[/] {exc}")
        raise typer.Exit(2) from exc
    out.print(f"anchor written: {path}")


@jobs_app.command("list")
def jobs_list(
    status: Annotated[str | None, typer.Option(help="pending, queued, retrying, done or dead")] = None,
    limit: int = 50,
) -> None:
    """List jobs, newest first (``--status dead`` for the dead letters)."""
    from core.db import session_scope
    from core.jobs.service import list_jobs
    from core.models import JobStatus

    _settings_or_exit()
    with session_scope() as session:
        rows, total = list_jobs(session, status=JobStatus(status) if status else None, size=limit)
        table = Table(
            "id", "name", "status", "attempts", "created (UTC)", "last error", title=f"{total} jobs"
        )
        for job in rows:
            table.add_row(
                str(job.id),
                job.name,
                job.status.value,
                f"{job.attempts}/{job.max_attempts}",
                job.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                (job.last_error or "")[:60],
            )
    out.print(table)


@jobs_app.command("retry")
def jobs_retry(job_id: uuid.UUID) -> None:
    """Send a dead job back to the queue."""
    from core.db import session_scope
    from core.jobs.service import retry_job

    _settings_or_exit()
    with session_scope() as session:
        retry_job(session, job_id, actor="cli")
    out.print(f"job {job_id} queued again")


@jobs_app.command("canary")
def jobs_canary(
    hold: Annotated[float, typer.Option(help="Seconds the job holds")] = 0.0,
    long: Annotated[
        bool, typer.Option("--long", help="Probe the long-job queue (footage, cameras) instead")
    ] = False,
) -> None:
    """Enqueue a probe job; a running worker completes it and writes an audit entry."""
    from core.db import session_scope
    from core.jobs import enqueue
    from core.plugins import load_tasks

    _settings_or_exit()
    load_tasks()
    label = uuid.uuid4().hex[:12]
    with session_scope() as session:
        if long:
            job = enqueue(session, "core.long_canary", {"label": label, "step_seconds": hold})
        else:
            job = enqueue(session, "core.canary", {"label": label, "hold_seconds": hold})
    out.print(f"canary job {job.id} enqueued (label {label})")


NewPassword = Annotated[
    str,
    typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, envvar="TVP_NEW_USER_PASSWORD"),
]


@contextmanager
def _user_change() -> Iterator[Session]:
    """A unit of work on staff users; a refused change (unknown user, weak password…) exits 2."""
    from core.db import session_scope
    from core.errors import AppError

    _settings_or_exit()
    try:
        with session_scope() as session:
            yield session
    except (AppError, ValueError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[
        list[str], typer.Option("--role", "-r", help="reviewer, supervisor, exam_officer, ops, admin")
    ],
    name: Annotated[str, typer.Option(help="Full name")],
    password: NewPassword,
) -> None:
    """Create a staff user."""
    from core.auth.service import create_user

    with _user_change() as session:
        user = create_user(
            session, username=username, full_name=name, password=password, roles=role, actor="cli"
        )
        out.print(f"created {user.username} ({', '.join(user.roles)})")


@users_app.command("set-password")
def users_set_password(username: str, password: NewPassword) -> None:
    """Set a staff user's password; all their sessions end."""
    from core.auth.service import get_user, set_password

    with _user_change() as session:
        set_password(session, get_user(session, username=username), password, actor="cli")
    out.print(f"password of {username} changed; their sessions have ended")


@users_app.command("set-roles")
def users_set_roles(
    username: str,
    role: Annotated[list[str], typer.Option("--role", "-r", help="the user's complete new set of roles")],
) -> None:
    """Replace a staff user's roles; all their sessions end."""
    from core.auth.service import get_user, update_user

    with _user_change() as session:
        user = update_user(session, get_user(session, username=username), roles=role, actor="cli")
        out.print(f"{username}: {', '.join(user.roles)}; their sessions have ended")


class PluginShapeError(TypeError):
    """A package's ``cli`` module does not follow the convention (see this module's docstring)."""


def _command_name(command: CommandInfo) -> str:
    name = command.name or getattr(command.callback, "__name__", None) or ""
    return str(name).lower().replace("_", "-")


def _plugin_parts(module: ModuleType) -> tuple[dict[str, typer.Typer], dict[str, Callable[..., Any]]]:
    groups = getattr(module, "GROUPS", {})
    commands = getattr(module, "COMMANDS", {})
    where = module.__name__
    if not hasattr(module, "GROUPS") and not hasattr(module, "COMMANDS"):
        raise PluginShapeError(f"{where} declares neither GROUPS nor COMMANDS")
    if not isinstance(groups, dict) or not all(
        isinstance(k, str) and isinstance(v, typer.Typer) for k, v in groups.items()
    ):
        raise PluginShapeError(f"{where}.GROUPS must be a dict of name → typer.Typer, not {groups!r}")
    if not isinstance(commands, dict) or not all(
        isinstance(k, str) and callable(v) and not isinstance(v, typer.Typer) for k, v in commands.items()
    ):
        raise PluginShapeError(f"{where}.COMMANDS must be a dict of name → function, not {commands!r}")
    return groups, commands


def _merged(name: str, parts: list[typer.Typer]) -> typer.Typer:
    """One group from every package's part of it; the first (bottom-most) part gives the help text."""
    if len(parts) == 1:
        return parts[0]
    group = typer.Typer(help=parts[0].info.help, no_args_is_help=True, hidden=parts[0].info.hidden)
    seen: set[str] = set()
    for part in parts:
        if part.registered_callback is not None or part.registered_groups:
            raise PluginShapeError(f"group {name!r} is declared by several packages: none may nest groups")
        for command in part.registered_commands:
            if _command_name(command) in seen:
                raise PluginShapeError(f"`tvp {name} {_command_name(command)}` is declared twice")
            seen.add(_command_name(command))
            group.registered_commands.append(command)
    return group


def add_package_commands(root: typer.Typer, modules: list[ModuleType]) -> None:
    """Plug each package's ``GROUPS`` and ``COMMANDS`` into ``root``; a wrong shape or a name that is
    already taken raises ``PluginShapeError`` (so ``tvp`` fails at start-up, not on first use)."""
    taken = {_command_name(c) for c in root.registered_commands}
    taken |= {g.name for g in root.registered_groups if isinstance(g.name, str)}
    groups: dict[str, list[typer.Typer]] = {}
    for module in modules:
        module_groups, module_commands = _plugin_parts(module)
        for name, group in module_groups.items():
            groups.setdefault(name, []).append(group)
        for name, command in module_commands.items():
            if name in taken or name in groups:
                raise PluginShapeError(f"{module.__name__}: `tvp {name}` is already taken")
            taken.add(name)
            root.command(name)(command)
    for name, parts in groups.items():
        if name in taken:
            raise PluginShapeError(f"group `tvp {name}` clashes with a command or group of the same name")
        root.add_typer(_merged(name, parts), name=name)


add_package_commands(app, cli_modules())


def main() -> None:
    follow_test_clock()  # only under the test suite's frozen-clock runs (scripts/test-clock.sh)
    try:
        app()
    except InsecureSettings as exc:
        err.print(f"[bold red]Refusing to start:[/] {exc}")
        sys.exit(2)


if __name__ == "__main__":  # `python -m core.cli`: run the module as imported under its own name, once
    from core.cli import main as _main_of_core_cli

    _main_of_core_cli()
