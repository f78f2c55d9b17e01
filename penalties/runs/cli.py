"""`tvp process`, `tvp replay`, `tvp cameras run`, `tvp runs list`: footage in, candidates out."""

from __future__ import annotations

import json
import signal
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from core.console import err, fail, out

runs_app = typer.Typer(help="Processing runs (footage, replays, live cameras).", no_args_is_help=True)
cameras_app = typer.Typer(help="Live cameras.", no_args_is_help=True)  # joins detection's `tvp cameras`
camera_alias_app = typer.Typer(help="Old name of `tvp cameras run`.", no_args_is_help=True, hidden=True)

CameraOpt = Annotated[
    str,
    typer.Option(
        "--camera", help="Camera code (its newest stored configuration) or a configuration YAML (registered)"
    ),
]
StrideOpt = Annotated[int, typer.Option(min=1, help="Process every n-th frame")]
GateOpt = Annotated[bool, typer.Option("--motion-gate/--no-motion-gate", help="Skip frames without motion")]
StartOpt = Annotated[
    datetime | None,
    typer.Option(
        formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"],
        help="When the recording started (ISO 8601 with zone); default: the file's modification time",
    ),
]

FromOpt = Annotated[
    str | None,
    typer.Option(
        "--from", help="Start here: a time in the footage (12.5, 01:10, 00:01:10) or a frame (f120)"
    ),
]
ToOpt = Annotated[str | None, typer.Option("--to", help="Stop before this time or frame (as --from)")]


def _prepare(camera: str, *, register: bool = True) -> Any:
    """The configuration to run with: a YAML path (validated, and registered as a version of its camera
    unless ``register`` is off) or a camera code (its newest stored version)."""
    from core.cli import _schema_or_exit, _settings_or_exit
    from core.db import session_scope
    from core.errors import AppError
    from detection.camera_config import CameraConfigError
    from penalties.cameras.config import load_camera
    from penalties.cameras.service import is_config_path, register_loaded, stored_camera

    _settings_or_exit()
    try:
        if not is_config_path(camera):
            _schema_or_exit()
            with session_scope(writes=False) as session:
                return stored_camera(session, camera)
        loaded = load_camera(Path(camera))
        _schema_or_exit()
        if register:
            with session_scope() as session:
                register_loaded(session, loaded, actor="cli")
        return loaded
    except (CameraConfigError, AppError) as exc:
        raise fail(str(exc)) from exc


def parse_span(start: str | None, end: str | None) -> Any:
    from detection.span import Span, SpanError

    try:
        return Span.parse(start, end)
    except SpanError as exc:
        raise fail(str(exc)) from exc


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[fps]:>5.1f} frames/s · {task.fields[found]} found"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    )


def run_footage(
    footage: Path,
    camera: str,
    *,
    kind: str,
    stride: int,
    motion_gate: bool,
    start: datetime | None,
    resume: bool,
    span: Any,
) -> Any:
    from detection.signal_feed import SignalFeedError
    from detection.sources import SourceError
    from penalties.runs.footage import FootageMissing, start_footage_run
    from penalties.runs.models import RunKind

    loaded = _prepare(camera, register=kind != "replay")
    try:
        run = start_footage_run(
            footage,
            loaded,
            kind=RunKind(kind),
            stride=stride,
            motion_gate=motion_gate,
            start=start,
            resume=resume,
            span=span,
        )
    except (FootageMissing, SignalFeedError) as exc:
        raise fail(str(exc)) from exc
    runner, total = run.runner, run.total
    if runner.resume_from is not None:
        err.print(
            f"resuming run {runner.run_id} from frame {runner.resume_from} "
            f"with {runner.in_flight} vehicles in flight"
        )
    began = time.monotonic()
    with _progress() as progress:
        task = progress.add_task(kind, total=total, fps=0.0, found=len(runner.progress.events))

        def tick(frame: Any) -> None:
            done = frame.index + 1
            if done % 5 == 0 or done % 5 > 5 - stride:
                rate = done / max(1e-6, time.monotonic() - began)
                progress.update(task, completed=done, fps=rate, found=len(runner.progress.events))

        try:
            result = run.consume(on_frame=tick)
        except SourceError as exc:
            raise fail(f"{exc} (run {runner.run_id} marked failed)") from exc
        progress.update(task, completed=runner.progress.frames, found=len(result.events))
    elapsed = time.monotonic() - began
    return runner, result, elapsed


def _events_table(events: list[dict[str, Any]], title: str) -> Table:
    from core.time import format_local

    table = Table("time (ICT)", "code", "plate", "class", "measured", title=title)
    for e in events:
        measured = ", ".join(f"{k}={v}" for k, v in e["measured"].items())
        when = format_local(datetime.fromisoformat(e["at"]), "%d/%m/%Y %H:%M:%S.%f")[:-3]
        table.add_row(when, e["code"], e.get("plate_text") or "—", e["vehicle_class"], measured)
    return table


def _run_json(runner: Any, result: Any, **extra: Any) -> str:
    """The JSON of a run, the same for process and replay: events with code, time (UTC and seconds
    into the footage), frame, track id, box, plate and measurements."""
    return json.dumps(
        {
            "run_id": str(runner.run_id),
            "kind": str(runner.kind),
            "span": runner.span,
            "frames": result.frames,
            "events": result.events,
            "signal": runner.processor.signal_timelines(),
            **extra,
        },
        ensure_ascii=False,
    )


def process(
    footage: Annotated[Path, typer.Argument(help="Video file (mp4/avi/mkv) or folder of timestamped images")],
    camera: CameraOpt,
    stride: StrideOpt = 1,
    motion_gate: GateOpt = False,
    start: StartOpt = None,
    resume: Annotated[bool, typer.Option("--resume/--restart", help="Continue an unfinished run")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run as JSON")] = False,
    span_from: FromOpt = None,
    span_to: ToOpt = None,
    queue: Annotated[
        bool,
        typer.Option(
            "--queue",
            help="Hand the footage to the job workers (`tvp worker`) instead of running it here; prints "
            "the job id. The path must be readable by the workers.",
        ),
    ] = False,
) -> None:
    """Run recorded footage through the pipeline and store violation candidates with their evidence."""
    span = parse_span(span_from, span_to)
    if queue:
        _queue_footage(footage, camera, stride=stride, motion_gate=motion_gate, start=start, span=span)
        return
    runner, result, elapsed = run_footage(
        footage,
        camera,
        kind="process",
        stride=stride,
        motion_gate=motion_gate,
        start=start,
        resume=resume,
        span=span,
    )
    fps = result.frames / max(elapsed, 1e-6)
    if as_json:
        out.print_json(_run_json(runner, result))
        return
    out.print(_events_table(result.events, f"run {runner.run_id}"))
    out.print(
        f"{result.frames} frames in {elapsed:.1f} s ({fps:.1f} frames/s); "
        f"{result.candidates} new candidates, {len(result.events)} events in the run"
    )


def _queue_footage(
    footage: Path, camera: str, *, stride: int, motion_gate: bool, start: datetime | None, span: Any
) -> None:
    from core.db import session_scope
    from core.plugins import load_tasks
    from penalties.runs.tasks import queue_footage

    load_tasks()
    if not footage.exists():
        raise fail(f"{footage} does not exist")
    loaded = _prepare(camera)
    with session_scope() as session:
        job = queue_footage(
            session, footage, loaded, stride=stride, motion_gate=motion_gate, span=span, start=start
        )
        job_id = job.id
    err.print(f"queued footage {footage} for camera {loaded.config.camera.id} as job:")
    out.print(str(job_id))


def replay(
    footage: Annotated[Path, typer.Argument(help="Video file or folder of images")],
    camera: CameraOpt,
    against: Annotated[uuid.UUID | None, typer.Option(help="Run id to compare with")] = None,
    stride: StrideOpt = 1,
    motion_gate: GateOpt = False,
    start: StartOpt = None,
    diff_out: Annotated[Path | None, typer.Option("--out", help="Write the diff as JSON here")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the run as JSON (as process --json), with the diff")
    ] = False,
    span_from: FromOpt = None,
    span_to: ToOpt = None,
    segments: Annotated[
        int,
        typer.Option(
            min=1, help="Cut the footage into this many segments run in parallel by the job workers"
        ),
    ] = 1,
    overlap: Annotated[
        float, typer.Option(min=0.0, help="Seconds each segment warms up on before its own part")
    ] = 30.0,
) -> None:
    """Run footage again (after a model or config change) and compare with an earlier run. Stores the
    replay's results (its run id is printed) but creates no candidates. With --segments, the same
    events as one pass, found in parallel by the job workers (in this process on the embedded default)."""
    from core.db import session_scope
    from penalties.runs.events import run_events
    from penalties.runs.models import ProcessingRun
    from penalties.runs.replay import diff_events

    span = parse_span(span_from, span_to)
    if segments > 1 and (span_from or span_to):
        raise fail("--segments replays the whole footage: leave out --from/--to")
    previous: list[dict[str, Any]] | None = None
    if against is not None:
        _prepare(camera, register=False)
        with session_scope(writes=False) as session:
            earlier = session.get(ProcessingRun, against)
            if earlier is None:
                raise fail(f"no run {against}")
            previous = run_events(session, earlier.id)
    if segments > 1:
        begun = time.monotonic()
        run_json = _segmented_replay(
            footage,
            camera,
            segments=segments,
            overlap=overlap,
            stride=stride,
            motion_gate=motion_gate,
            start=start,
        )
        run_id, events, frames = run_json["run_id"], run_json["events"], run_json["frames"]
        elapsed = time.monotonic() - begun
    else:
        runner, result, elapsed = run_footage(
            footage,
            camera,
            kind="replay",
            stride=stride,
            motion_gate=motion_gate,
            start=start,
            resume=False,
            span=span,
        )
        run_id, events, frames = runner.run_id, result.events, result.frames
        run_json = json.loads(_run_json(runner, result))
    diff = None if previous is None else diff_events(previous, events)
    report = None if diff is None else {"run": str(run_id), "against": str(against), **diff.as_dict()}
    if diff_out and report is not None:
        diff_out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    if as_json:
        with_diff = {**run_json, **({"diff": report} if report is not None else {})}
        out.print_json(json.dumps(with_diff, ensure_ascii=False))
        return
    out.print(_events_table(events, f"replay {run_id}"))
    out.print(f"{frames} frames in {elapsed:.1f} s ({frames / max(elapsed, 1e-6):.1f} frames/s)")
    if diff is None:
        return
    if diff.identical:
        out.print(f"[green]identical[/] to run {against}: {diff.unchanged} events")
        return
    table = Table("", "time", "code", "detail", title=f"differences from run {against}")
    for e in diff.added:
        table.add_row("[green]+ added", e["at"], e["code"], e.get("plate") or "—")
    for e in diff.removed:
        table.add_row("[red]- removed", e["at"], e["code"], e.get("plate") or "—")
    for e in diff.changed:
        detail = "; ".join(f"{k}: {v['before']} → {v['after']}" for k, v in e["changes"].items())
        table.add_row("[yellow]~ changed", e["at"], e["code"], detail)
    out.print(table)
    out.print(f"{diff.unchanged} unchanged")


def _segmented_replay(
    footage: Path,
    camera: str,
    *,
    segments: int,
    overlap: float,
    stride: int,
    motion_gate: bool,
    start: datetime | None,
) -> dict[str, Any]:
    """Enqueue the segments, follow them with one progress bar (running them on an in-process worker
    on the embedded default; `tvp worker` processes run them with a broker), return the run's JSON."""
    from core.config import get_settings
    from core.db import session_scope
    from core.jobs.worker import JobWorker
    from detection.sources import VideoFileSource
    from detection.span import Span
    from penalties.runs.events import run_events
    from penalties.runs.footage import FootageMissing, footage_source
    from penalties.runs.models import ProcessingRun
    from penalties.runs.replays import ReplayError, replay_progress, start_segmented_replay
    from penalties.runs.runner import footage_sha256

    loaded = _prepare(camera, register=False)
    if not footage.is_file():
        raise fail(f"--segments needs a video file: {footage} is not one")
    try:
        source, total = footage_source(
            footage, loaded.config.camera.id, start, loaded.config.camera.fps, stride, Span()
        )
    except FootageMissing as exc:
        raise fail(str(exc)) from exc
    if not total or not isinstance(source, VideoFileSource):
        raise fail(f"{footage}: its number of frames is unknown, so it cannot be cut into segments")
    try:
        with session_scope() as session:
            replay = start_segmented_replay(
                session,
                loaded,
                footage,
                total_frames=total,
                started_at=source.start_time(),
                segments=segments,
                stride=stride,
                motion_gate=motion_gate,
                overlap_s=overlap,
                footage_sha256=footage_sha256(footage),
            )
            replay_id = replay.id
    except ReplayError as exc:
        raise fail(str(exc.detail)) from exc
    embedded = get_settings().uses_stub_broker
    worker = JobWorker(threads=segments, relay_interval=0.2, scheduler=False).start() if embedded else None
    try:
        with _progress() as progress:
            task = progress.add_task(f"replay in {segments} segments", total=None, fps=0.0, found=0)
            while True:
                with session_scope(writes=False) as session:
                    state = replay_progress(session, replay_id)
                progress.update(task, total=state.total, completed=state.done)
                if state.finished:
                    break
                time.sleep(0.5)
    finally:
        if worker is not None:
            worker.stop()
    if state.error:
        raise fail(f"replay {replay_id} failed: {state.error}")
    with session_scope(writes=False) as session:
        run = session.get_one(ProcessingRun, replay_id)
        return {
            "run_id": str(replay_id),
            "kind": "replay",
            "span": [None, None],
            "frames": run.frames_done,
            "events": run_events(session, replay_id),
            "signal": (run.checkpoint or {}).get("signal", {}),
            "segments": state.segments,
        }


def _live_source(camera_id: str, source: str, max_attempts: int | None) -> Any:
    from penalties.runs.exceptions import LiveSourceInvalid
    from penalties.runs.live import live_source

    try:
        return live_source(camera_id, source, max_attempts)
    except LiveSourceInvalid as exc:
        raise fail(str(exc)) from exc


@cameras_app.command("run")
def camera_run(
    camera: Annotated[
        str, typer.Argument(help="Camera code (newest stored configuration) or configuration YAML")
    ],
    source: Annotated[str, typer.Option(help="rtsp://…, http(s)://… or a video file (ends at its end)")],
    stride: StrideOpt = 2,
    motion_gate: GateOpt = True,
    max_attempts: Annotated[
        int | None, typer.Option(help="Give up after this many failed connections (default: never)")
    ] = None,
    max_frames: Annotated[int | None, typer.Option(help="Stop after this many frames")] = None,
) -> None:
    """Process a live stream as a long-running worker: reconnects with backoff; SIGTERM stops it cleanly.
    A video file is processed once, to its end."""
    import threading

    from detection.camera import ProcessorOptions
    from detection.pipeline import shared_pipeline
    from detection.sources import Frame, SourceError, StreamSource
    from penalties.runs.models import RunKind
    from penalties.runs.runner import Runner

    loaded = _prepare(camera)
    frame_source = _live_source(loaded.config.camera.id, source, max_attempts)
    runner = Runner(
        loaded,
        shared_pipeline(),  # the same warmed-up model set a worker's cameras use
        ProcessorOptions(stride=stride, motion_gate=motion_gate),
        kind=RunKind.live,
        source=source,
    )
    stopping = threading.Event()

    def stop(*_: object) -> None:
        stopping.set()
        if isinstance(frame_source, StreamSource):
            frame_source.stop()  # also ends a wait between reconnects

    signal.signal(signal.SIGTERM, stop)
    err.print(f"camera {loaded.config.camera.id}: run {runner.run_id} on {source}")

    def frames() -> Iterator[Frame]:
        for n, frame in enumerate(frame_source.frames(), start=1):
            yield frame
            if stopping.is_set() or (max_frames is not None and n >= max_frames):
                stopping.set()
                return

    try:
        result = runner.consume(frames())
    except SourceError as exc:
        raise fail(f"camera {loaded.config.camera.id}: {exc}") from exc
    ended = "stopped" if stopping.is_set() or isinstance(frame_source, StreamSource) else "end of file"
    out.print(f"{ended} after {result.frames} frames; {result.candidates} new candidates")


@cameras_app.command("start")
def camera_start(
    camera: Annotated[str, typer.Argument(help="Camera code (its newest stored configuration)")],
    source: Annotated[str, typer.Option(help="rtsp://…, http(s)://… or a video file (ends at its end)")],
    stride: StrideOpt = 2,
    motion_gate: GateOpt = True,
    queue_frames: Annotated[
        int, typer.Option(min=1, max=120, help="Frames queued before the oldest are dropped (a stream)")
    ] = 8,
    max_attempts: Annotated[
        int | None, typer.Option(help="Give up after this many failed connections (default: never)")
    ] = None,
) -> None:
    """Hand a live camera to the job workers (`tvp worker`): exactly one worker holds it at a time,
    another takes it over within seconds when that one dies. Prints the job id."""
    from core.cli import _schema_or_exit, _settings_or_exit
    from core.db import session_scope
    from core.errors import AppError
    from core.plugins import load_tasks
    from penalties.runs.live import start_live

    _settings_or_exit()
    _schema_or_exit()
    load_tasks()
    try:
        with session_scope() as session:
            job = start_live(
                session,
                camera,
                source,
                stride=stride,
                motion_gate=motion_gate,
                queue_frames=queue_frames,
                max_attempts=max_attempts,
                actor="cli",
            )
            job_id = job.id
    except AppError as exc:
        raise fail(str(exc)) from exc
    err.print(f"camera {camera} queued for the workers as job:")
    out.print(str(job_id))


@cameras_app.command("stop")
def camera_stop(camera: Annotated[str, typer.Argument(help="Camera code")]) -> None:
    """Stop a live camera started with `tvp cameras start`: its worker stops within a second or two."""
    from core.cli import _schema_or_exit, _settings_or_exit
    from core.db import session_scope
    from core.errors import AppError
    from penalties.runs.live import stop_live

    _settings_or_exit()
    _schema_or_exit()
    try:
        with session_scope() as session:
            stopped = [str(job.id) for job in stop_live(session, camera, actor="cli")]
    except AppError as exc:
        raise fail(str(exc)) from exc
    out.print(f"camera {camera}: stopping (job {', '.join(stopped)})")


@runs_app.command("list")
def runs_list(
    camera: Annotated[str | None, typer.Option(help="Only this camera code")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
) -> None:
    """The latest runs, newest first."""
    from sqlalchemy import select

    from core.cli import _settings_or_exit
    from core.db import session_scope
    from core.time import format_local
    from penalties.runs.events import event_counts
    from penalties.runs.models import ProcessingRun

    _settings_or_exit()
    table = Table("run", "kind", "status", "camera", "started (ICT)", "frames", "events", "new candidates")
    with session_scope(writes=False) as session:
        query = select(ProcessingRun).order_by(ProcessingRun.created_at.desc()).limit(limit)
        if camera:
            query = query.where(ProcessingRun.camera_code == camera)
        runs = list(session.scalars(query))
        counts = event_counts(session, [run.id for run in runs])
        for run in runs:
            table.add_row(
                str(run.id),
                str(run.kind),
                str(run.status),
                run.camera_code,
                format_local(run.created_at, "%d/%m/%Y %H:%M:%S"),
                str(run.frames_done),
                str(counts.get(run.id, 0)),
                str(run.candidates_created),
            )
    out.print(table)


camera_alias_app.command("run", help="Same as `tvp cameras run`.")(camera_run)
GROUPS = {"runs": runs_app, "cameras": cameras_app, "camera": camera_alias_app}
COMMANDS = {"process": process, "replay": replay}
