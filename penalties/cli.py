"""`tvp process`, `tvp replay`, `tvp camera run`, `tvp evidence verify`: footage in, candidates out."""

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
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

NAME = "evidence"
app = typer.Typer(help="Evidence packages of violation candidates.", no_args_is_help=True)
camera_app = typer.Typer(help="Live cameras.", no_args_is_help=True)
runs_app = typer.Typer(help="Processing runs (footage, replays, live cameras).", no_args_is_help=True)
EXTRA = {"camera": camera_app, "runs": runs_app}
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

CameraOpt = Annotated[Path, typer.Option("--camera", help="Camera configuration YAML")]
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


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]{message}[/]")
    return typer.Exit(code)


def _prepare(camera: Path) -> Any:
    from core.cli import _schema_or_exit, _settings_or_exit
    from detection.camera_config import CameraConfigError
    from penalties.processing import load_camera

    _settings_or_exit()
    try:
        loaded = load_camera(camera)
    except CameraConfigError as exc:
        raise _fail(str(exc)) from exc
    _schema_or_exit()
    return loaded


def _span(start: str | None, end: str | None) -> Any:
    from detection.span import Span, SpanError

    try:
        return Span.parse(start, end)
    except SpanError as exc:
        raise _fail(str(exc)) from exc


def _source(
    footage: Path, camera_id: str, start: datetime | None, fps: float, stride: int, span: Any
) -> tuple[Any, int | None]:
    import cv2

    from detection.sources import ImageFolderSource, VideoFileSource

    if footage.is_dir():
        return ImageFolderSource(camera_id, footage, fps=fps, span=span), None
    if not footage.exists():
        raise _fail(f"{footage} does not exist")
    cap = cv2.VideoCapture(str(footage))
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) if cap.isOpened() else 0
    file_fps = cap.get(cv2.CAP_PROP_FPS) if cap.isOpened() else 0.0
    cap.release()
    stop = span.frames(file_fps or fps)[1]
    if total and stop is not None:
        total = min(total, stop)
    return VideoFileSource(
        camera_id, footage, started_at=start, fallback_fps=fps, stride=stride, span=span
    ), total or None


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


def _run(
    footage: Path,
    camera: Path,
    *,
    kind: str,
    stride: int,
    motion_gate: bool,
    start: datetime | None,
    resume: bool,
    span: Any,
) -> Any:
    from detection.camera import ProcessorOptions
    from detection.pipeline import PlatePipeline
    from detection.signal_feed import SignalFeedError
    from detection.sources import SourceError, VideoFileSource, prefetch
    from penalties.models import RunKind
    from penalties.processing import Runner, footage_sha256

    loaded = _prepare(camera)
    source, total = _source(footage, loaded.config.camera.id, start, loaded.config.camera.fps, stride, span)
    sha = footage_sha256(footage) if footage.is_file() else None
    try:
        runner = Runner(
            loaded,
            PlatePipeline(),
            ProcessorOptions(stride=stride, motion_gate=motion_gate),
            kind=RunKind(kind),
            source=str(footage),
            footage_sha256=sha,
            resume=resume,
            span=span.describe(),
        )
    except SignalFeedError as exc:
        raise _fail(str(exc)) from exc
    if isinstance(source, VideoFileSource):
        runner.processor.origin = source.start_time()
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
            result = runner.consume(prefetch(source.frames()), on_frame=tick)
        except SourceError as exc:
            raise _fail(f"{exc} (run {runner.run_id} marked failed)") from exc
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
) -> None:
    """Run recorded footage through the pipeline and store violation candidates with their evidence."""
    span = _span(span_from, span_to)
    runner, result, elapsed = _run(
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
) -> None:
    """Run footage again (after a model or config change) and compare with an earlier run. Stores the
    replay's results (its run id is printed) but creates no candidates."""
    from core.db import session_scope
    from penalties.models import ProcessingRun
    from penalties.processing import diff_events

    span = _span(span_from, span_to)
    previous: list[dict[str, Any]] | None = None
    if against is not None:
        _prepare(camera)
        with session_scope(writes=False) as session:
            earlier = session.get(ProcessingRun, against)
            if earlier is None:
                raise _fail(f"no run {against}")
            previous = list(earlier.events)
    runner, result, elapsed = _run(
        footage,
        camera,
        kind="replay",
        stride=stride,
        motion_gate=motion_gate,
        start=start,
        resume=False,
        span=span,
    )
    diff = None if previous is None else diff_events(previous, result.events)
    report = None if diff is None else {"run": str(runner.run_id), "against": str(against), **diff.as_dict()}
    if diff_out and report is not None:
        diff_out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    if as_json:
        out.print_json(_run_json(runner, result, **({"diff": report} if report is not None else {})))
        return
    out.print(_events_table(result.events, f"replay {runner.run_id}"))
    out.print(
        f"{result.frames} frames in {elapsed:.1f} s ({result.frames / max(elapsed, 1e-6):.1f} frames/s)"
    )
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


def _live_source(camera_id: str, source: str, max_attempts: int | None) -> Any:
    """A stream URL reconnects forever (or up to max_attempts); a video file ends at its last frame,
    its frames stamped from now on as if it were the camera's live picture."""
    from core.time import utc_now
    from detection.sources import StreamSource, VideoFileSource

    if "://" in source and not source.startswith("file://"):
        return StreamSource(camera_id, source, max_attempts=max_attempts)
    path = Path(source.removeprefix("file://"))
    if not path.is_file():
        raise _fail(f"{source} is neither a stream URL (rtsp://, http(s)://) nor a video file")
    return VideoFileSource(camera_id, path, started_at=utc_now())


@camera_app.command("run")
def camera_run(
    camera: Annotated[Path, typer.Argument(help="Camera configuration YAML")],
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
    from detection.pipeline import PlatePipeline
    from detection.sources import Frame, SourceError, StreamSource
    from penalties.models import RunKind
    from penalties.processing import Runner

    loaded = _prepare(camera)
    frame_source = _live_source(loaded.config.camera.id, source, max_attempts)
    runner = Runner(
        loaded,
        PlatePipeline(),
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
        raise _fail(f"camera {loaded.config.camera.id}: {exc}") from exc
    ended = "stopped" if stopping.is_set() or isinstance(frame_source, StreamSource) else "end of file"
    out.print(f"{ended} after {result.frames} frames; {result.candidates} new candidates")


@app.command("verify")
def evidence_verify(
    camera: Annotated[str | None, typer.Option(help="Only this camera code")] = None,
) -> None:
    """Check every candidate's files against its manifest, each camera's chain and the signed anchors of
    the chains; exits 1 on a problem."""
    from sqlalchemy import select

    from core.anchors import load_anchors
    from core.cli import _settings_or_exit, print_anchor_note
    from core.db import session_scope
    from core.evidence import get_blob_store
    from penalties.chains import PREFIX, verify_anchored, verify_chain, verify_head
    from penalties.evidence import verify_candidate
    from penalties.models import Camera, ViolationCandidate

    _settings_or_exit()
    store = get_blob_store()
    anchors = load_anchors()
    problems: list[str] = list(anchors.problems)
    checked = 0
    with session_scope(writes=False) as session:
        query = select(Camera).order_by(Camera.code)
        if camera:
            query = query.where(Camera.code == camera)
        cameras = session.scalars(query).all()
        if camera and not cameras and PREFIX + camera not in anchors.chains(PREFIX):
            raise _fail(f"no camera {camera}")
        for cam in cameras:
            problems += verify_chain(session, cam)
            problems += verify_head(session, cam)
            for candidate in session.scalars(
                select(ViolationCandidate).where(ViolationCandidate.camera_id == cam.id)
            ):
                checked += 1
                problems += verify_candidate(session, store, candidate)
        problems += verify_anchored(session, anchors, camera)
    for problem in problems:
        err.print(f"[red]✗[/] {problem}")
    if problems:
        err.print(f"[bold red]evidence check FAILED[/]: {len(problems)} problems in {checked} candidates")
        raise typer.Exit(1)
    out.print(f"[green]evidence intact[/]: {checked} candidates, {len(cameras)} camera chains verified")
    print_anchor_note(anchors)


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
    from penalties.models import ProcessingRun

    _settings_or_exit()
    table = Table("run", "kind", "status", "camera", "started (ICT)", "frames", "events", "new candidates")
    with session_scope(writes=False) as session:
        query = select(ProcessingRun).order_by(ProcessingRun.created_at.desc()).limit(limit)
        if camera:
            query = query.where(ProcessingRun.camera_code == camera)
        for run in session.scalars(query):
            table.add_row(
                str(run.id),
                str(run.kind),
                str(run.status),
                run.camera_code,
                format_local(run.created_at, "%d/%m/%Y %H:%M:%S"),
                str(run.frames_done),
                str(len(run.events)),
                str(run.candidates_created),
            )
    out.print(table)


COMMANDS = {"process": process, "replay": replay}
