"""Replays in segments on the job engine: one long job per segment, merged when the last one is done.

The replay is a run of its own (kind replay, ``options["segments"]`` set) whose events are the merge of
its segments' (penalties/runs/segments.py); each segment is a replay run too (``options["segment"]``),
so its events, progress and status live where a run's always do. The segment job that finishes last
merges, under a lock on the replay's row; a boundary whose warm-up did not reach the single pass's state
is run again with twice the warm-up instead, and the merge waits for it.
"""

from __future__ import annotations

import itertools
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.errors import AppError
from core.jobs import enqueue
from core.jobs.long import LeaseLost
from core.time import utc_now
from detection.camera import CameraProcessor, ProcessorOptions
from detection.pipeline import shared_pipeline
from detection.sources import Frame, FrameSource, ImageFolderSource, VideoFileSource
from penalties.cameras.config import LoadedCamera, camera_from_text
from penalties.candidates.dedup import dedup_key
from penalties.runs.events import record_run_events, run_events
from penalties.runs.models import ProcessingRun, RunEvent, RunKind, RunStatus
from penalties.runs.segments import Segment, SegmentResult, merge, plan, run_segment, sync_frame

logger = logging.getLogger(__name__)
SEGMENT_TASK = "penalties.replay_segment"
PROGRESS_EVERY_S = 2.0


class ReplayError(AppError):
    """The replay cannot be started or read as asked."""

    status_code = 422


def min_overlap_s(options: ProcessorOptions) -> float:
    """The shortest warm-up: the clip before an event at the segment's first frame, and a second."""
    return options.clip_before_s + 1.0


def start_segmented_replay(
    session: Session,
    loaded: LoadedCamera,
    footage: Path,
    *,
    total_frames: int,
    started_at: datetime,
    segments: int,
    stride: int = 1,
    motion_gate: bool = False,
    overlap_s: float = 30.0,
    footage_sha256: str | None = None,
) -> ProcessingRun:
    """Record the replay and one run per segment, and enqueue the segments' jobs (in the caller's
    transaction: nothing runs before it commits)."""
    from penalties.runs import replay_tasks  # noqa: F401  (registers the segment task)

    if segments < 1:
        raise ReplayError("a replay has at least one segment")
    options = ProcessorOptions(stride=stride, motion_gate=motion_gate)
    fps = loaded.config.camera.fps
    overlap = round(max(overlap_s, min_overlap_s(options)) * fps)
    try:
        parts = plan(total_frames, segments, overlap)
    except ValueError as exc:
        raise ReplayError(str(exc)) from exc
    common = {
        "stride": stride,
        "motion_gate": motion_gate,
        "lost_after_s": options.lost_after_s,
        "span": [None, None],
        "footage": str(footage),
        "started_at": started_at.isoformat(),
        "total_frames": total_frames,
    }

    def new_run(extra: dict[str, Any]) -> ProcessingRun:
        run = ProcessingRun(
            kind=RunKind.replay,
            camera_code=loaded.config.camera.id,
            camera_version=loaded.config.camera.version,
            config_sha256=loaded.sha256,
            source=str(footage),
            footage_sha256=footage_sha256,
            options={**common, **extra},
            models={},
        )
        session.add(run)
        session.flush()
        return run

    replay = new_run({"segments": segments, "overlap_frames": overlap, "camera_text": loaded.text})
    ids = []
    for part in parts:
        run = new_run({"segment": {**part.as_dict(), "of": str(replay.id)}, "camera_text": loaded.text})
        ids.append(str(run.id))
        enqueue(session, SEGMENT_TASK, {"run_id": str(run.id)})
    replay.options = {**replay.options, "segment_runs": ids}
    return replay


def segment_source(
    camera_id: str, footage: Path, started_at: datetime, fps: float, stride: int
) -> FrameSource:
    if footage.is_dir():
        return ImageFolderSource(camera_id, footage, fps=fps)
    return VideoFileSource(camera_id, footage, started_at=started_at, fallback_fps=fps, stride=stride)


def _summary(event: Any) -> dict[str, Any]:
    """As the single-pass runner records a replay's event."""
    return {**event.summary(), "key": dedup_key(event), "candidate_id": None}


def process_segment_run(
    run_id: uuid.UUID, check: Callable[[], None] = lambda: None, *, last_attempt: bool = True
) -> SegmentResult:
    """Run one segment from its start (a retry or a takeover starts it again), then merge if it was the
    last one. A failure fails the replay only on the job's ``last_attempt`` (else the job tries again)."""
    with session_scope() as session:
        run = session.get_one(ProcessingRun, run_id)
        opts = dict(run.options)
        session.execute(delete(RunEvent).where(RunEvent.run_id == run_id))
        run.status, run.error, run.frames_done, run.finished_at = RunStatus.running, None, 0, None
    segment = Segment.of(opts["segment"])
    loaded = camera_from_text(opts["camera_text"], source=f"camera {opts.get('camera_code', '')}")
    pipeline = shared_pipeline()
    processor = CameraProcessor(
        loaded.config, pipeline, ProcessorOptions(stride=opts["stride"], motion_gate=opts["motion_gate"])
    )
    started_at = datetime.fromisoformat(opts["started_at"])
    processor.origin = started_at
    source = segment_source(
        loaded.config.camera.id, Path(opts["footage"]), started_at, loaded.config.camera.fps, opts["stride"]
    )
    last_write = [time.monotonic()]

    def tick(frame: Frame, result: SegmentResult) -> None:
        check()
        if time.monotonic() - last_write[0] >= PROGRESS_EVERY_S:
            with session_scope() as session:
                session.get_one(ProcessingRun, run_id).frames_done = frame.index + 1
            last_write[0] = time.monotonic()

    try:
        result = run_segment(processor, source.frames(), segment, _summary, on_frame=tick)
    except LeaseLost:
        raise  # another worker has taken the segment over
    except Exception as exc:
        with session_scope() as session:
            run = session.get_one(ProcessingRun, run_id)
            run.error = str(exc)[-2000:]
            if last_attempt:
                run.status, run.finished_at = RunStatus.failed, utc_now()
                _merge_when_done(session, uuid.UUID(opts["segment"]["of"]))
        raise
    with session_scope() as session:
        run = session.get_one(ProcessingRun, run_id)
        record_run_events(session, run_id, result.events)
        run.checkpoint = {"idle": result.idle, "signal": result.signal}
        run.frames_done = result.last_frame + 1
        run.models = pipeline.provenance
        run.status, run.finished_at = RunStatus.completed, utc_now()
        session.flush()
        _merge_when_done(session, uuid.UUID(opts["segment"]["of"]))
    return result


def _segment_runs(session: Session, replay: ProcessingRun) -> list[ProcessingRun]:
    ids = [uuid.UUID(i) for i in replay.options.get("segment_runs", [])]
    rows = {r.id: r for r in session.scalars(select(ProcessingRun).where(ProcessingRun.id.in_(ids)))}
    return [rows[i] for i in ids]


def _idle(run: ProcessingRun) -> list[list[Any]]:
    return list((run.checkpoint or {}).get("idle", []))


def _merge_when_done(session: Session, replay_id: uuid.UUID) -> None:
    replay = session.get_one(ProcessingRun, replay_id, with_for_update=True)
    if replay.status is not RunStatus.running:
        return
    runs = _segment_runs(session, replay)
    failed = [r for r in runs if r.status is RunStatus.failed]
    if failed:
        replay.status, replay.finished_at = RunStatus.failed, utc_now()
        replay.error = f"segment {failed[0].options['segment']['index']} failed: {failed[0].error}"
        return
    if any(r.status is not RunStatus.completed for r in runs):
        return
    synced, retry = 0, []
    for before, run in itertools.pairwise(runs):
        segment = Segment.of(run.options["segment"])
        found = sync_frame(segment, _idle(run), _idle(before), synced)
        if found is None:
            retry.append((run, segment))
        else:
            synced = found
    if retry:
        for run, segment in retry:
            warm = max(0, segment.start - 2 * max(1, segment.start - segment.warm_from))
            logger.info("replay %s: segment %s warmed up again from frame %s", replay.id, segment.index, warm)
            run.options = {**run.options, "segment": {**run.options["segment"], "warm_from": warm}}
            run.status, run.attempts = RunStatus.running, run.attempts + 1
            enqueue(session, SEGMENT_TASK, {"run_id": str(run.id)})
        replay.attempts += 1
        return
    events = merge([run_events(session, r.id) for r in runs])
    record_run_events(session, replay.id, events)
    replay.models = runs[0].models
    replay.checkpoint = {"signal": (runs[-1].checkpoint or {}).get("signal", {})}
    replay.frames_done = int(replay.options["total_frames"])
    replay.status, replay.finished_at = RunStatus.completed, utc_now()


@dataclass(frozen=True)
class ReplayProgress:
    status: RunStatus
    done: int  # frames run (warm-ups and tails included) over all segments
    total: int
    segments: list[dict[str, Any]]
    error: str | None

    @property
    def finished(self) -> bool:
        return self.status is not RunStatus.running


def replay_progress(session: Session, replay_id: uuid.UUID) -> ReplayProgress:
    replay = session.get(ProcessingRun, replay_id)
    if replay is None or "segments" not in (replay.options or {}):
        raise ReplayError(f"no segmented replay {replay_id}")
    total_frames = int(replay.options["total_frames"])
    done = total = 0
    parts = []
    for run in _segment_runs(session, replay):
        segment = Segment.of(run.options["segment"])
        span = (segment.end if segment.end is not None else total_frames) - segment.warm_from
        ran = max(0, run.frames_done - segment.warm_from)
        part_done = span if run.status is RunStatus.completed else min(span, ran)
        done, total = done + part_done, total + span
        parts.append({**segment.as_dict(), "status": str(run.status), "done": part_done, "total": span})
    if replay.status is RunStatus.completed:
        done = total
    return ReplayProgress(replay.status, done, total, parts, replay.error)
