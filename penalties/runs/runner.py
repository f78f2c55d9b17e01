"""Footage and streams through the camera pipeline into violation candidates, with resumable runs.

Each event is written in its own transaction together with the run's progress, so a run killed at any
point has lost nothing that was written. Every few seconds the run checkpoints the processor's
in-flight state (tracker, live tracks, pending events, light reader: detection/checkpoint.py), so it
resumes right after that frame even when vehicles are always in view, re-reading the few seconds
before it only to refill the clip buffer (older checkpoints resume from their last quiet frame).

The runner only drives: the camera row comes from penalties.cameras, each event is recorded by
penalties.candidates (an event seen again is recognised by its dedup key or merged with the candidate
of the same plate within the merge window, so nothing is duplicated), replays are compared in
penalties.runs.replay.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import session_scope
from core.evidence import BlobStore, get_blob_store
from core.jobs.long import LeaseLost
from core.time import utc_now
from detection.camera import CameraProcessor, ProcessorOptions, ViolationEvent
from detection.checkpoint import CheckpointError, pack, unpack
from detection.models import sha256_file
from detection.pipeline import PlatePipeline
from detection.rules.base import Light
from detection.sources import Frame
from penalties.cameras.config import LoadedCamera
from penalties.cameras.service import ensure_camera
from penalties.candidates.dedup import dedup_key
from penalties.candidates.record import ACTOR, record_event
from penalties.runs.events import record_run_events, run_events
from penalties.runs.models import ProcessingRun, RunKind, RunStatus

logger = logging.getLogger(__name__)
CHECKPOINT_EVERY_S = 2.0


@dataclass
class RunProgress:
    frames: int = 0
    candidates: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)


def _checkpoint(processor: CameraProcessor, frame: Frame) -> dict[str, Any] | None:
    """Resume after ``frame`` with the vehicles in flight; if the state cannot be saved, from the last
    quiet frame (no vehicle tracked, nothing pending)."""
    try:
        state = pack(processor.in_flight())
    except Exception:  # e.g. a light reader holding something unpicklable
        logger.warning(
            "camera %s: in-flight state not saved; resuming from a quiet frame",
            processor.camera_id,
            exc_info=True,
        )
    else:
        return {
            "frame": frame.index + 1,
            "captured_at": frame.captured_at.isoformat(),
            "warm_from": processor.needs_from(),
            "in_flight": processor.live_tracks,
            "state": state,
        }
    quiet = processor.last_quiet
    if quiet is None:
        return None
    changes = processor.light.timeline.since(quiet.captured_at) if processor.light else []
    return {
        "frame": quiet.index,
        "captured_at": quiet.captured_at.isoformat(),
        "signal": [[t.isoformat(), str(state)] for t, state in changes],
        "signals": processor.signal_checkpoint(quiet.captured_at),  # every head (the above: the first)
    }


def find_resumable(
    session: Session,
    kind: RunKind,
    loaded: LoadedCamera,
    footage_sha: str,
    span: list[str | None] | None = None,
) -> ProcessingRun | None:
    """The latest unfinished run of the same footage, camera file and part of the footage (--from/--to)."""
    wanted = span or [None, None]
    runs = session.scalars(
        select(ProcessingRun)
        .where(
            ProcessingRun.kind == kind,
            ProcessingRun.camera_code == loaded.config.camera.id,
            ProcessingRun.config_sha256 == loaded.sha256,
            ProcessingRun.footage_sha256 == footage_sha,
            ProcessingRun.status.in_([RunStatus.running, RunStatus.interrupted, RunStatus.failed]),
        )
        .order_by(ProcessingRun.created_at.desc())
    )
    return next((r for r in runs if (r.options or {}).get("span", [None, None]) == wanted), None)


class Runner:
    """Drives one run: frames in, events recorded (or, for replays, only remembered)."""

    def __init__(
        self,
        loaded: LoadedCamera,
        pipeline: PlatePipeline,
        options: ProcessorOptions,
        *,
        kind: RunKind,
        source: str,
        footage_sha256: str | None = None,
        store: BlobStore | None = None,
        resume: bool = True,
        span: list[str | None] | None = None,
    ):
        """``span``: [--from, --to] as given (None: the whole footage); recorded with the run."""
        self.loaded = loaded
        self.span = span or [None, None]
        self.options = options
        self.kind = kind
        self.store = store or get_blob_store()
        self.processor = CameraProcessor(loaded.config, pipeline, options)
        self.resume_from: int | None = None
        self._warm_from: int | None = None
        self.in_flight = 0  # vehicles tracked at the checkpoint resumed from
        self.resumed_events: list[dict[str, Any]] = []
        with session_scope() as session:
            run = None
            if resume and footage_sha256 is not None and kind is not RunKind.live:
                run = find_resumable(session, kind, loaded, footage_sha256, self.span)
            if run is None:
                run = ProcessingRun(
                    kind=kind,
                    camera_code=loaded.config.camera.id,
                    camera_version=loaded.config.camera.version,
                    config_sha256=loaded.sha256,
                    source=source,
                    footage_sha256=footage_sha256,
                    options={
                        "stride": options.stride,
                        "motion_gate": options.motion_gate,
                        "lost_after_s": options.lost_after_s,
                        "span": self.span,
                    },
                    models=pipeline.provenance,
                )
                session.add(run)
            else:
                run.attempts += 1
                run.status = RunStatus.running
                run.error = None
                self.resumed_events = run_events(session, run.id)
                if run.checkpoint:
                    self._resume(run.checkpoint)
            if kind is not RunKind.replay:
                ensure_camera(session, loaded, actor=ACTOR)
            session.flush()
            self.run_id = run.id
        self.progress = RunProgress(events=list(self.resumed_events))
        self._last_checkpoint_at: datetime | None = None
        self._dropped: Callable[[], int] | None = None

    def _resume(self, checkpoint: dict[str, Any]) -> None:
        if "state" in checkpoint:
            try:
                self.processor.restore(unpack(checkpoint["state"]))
            except CheckpointError as exc:  # the whole footage again; dedup keys keep it single
                logger.warning("run checkpoint not used: %s", exc)
                return
            self.resume_from = int(checkpoint["frame"])
            warm = checkpoint.get("warm_from")
            self._warm_from = self.resume_from if warm is None else int(warm)
            self.in_flight = int(checkpoint.get("in_flight", 0))
            return
        self.resume_from = int(checkpoint["frame"])  # a quiet frame (checkpoints before in-flight state)
        if "signals" in checkpoint:
            self.processor.restore_signals(checkpoint["signals"])
        else:  # a checkpoint from before several heads
            saved = checkpoint.get("signal", [])
            self.processor.restore_signal([(datetime.fromisoformat(t), Light(s)) for t, s in saved])

    @property
    def warm_from(self) -> int | None:
        """First frame to re-read when resuming (clip buffer refill), or None for a fresh run."""
        if self.resume_from is None:
            return None
        if self._warm_from is not None:
            return self._warm_from
        buffer_s = self.options.clip_before_s + self.options.lost_after_s + self.options.clip_after_s + 1
        return max(0, self.resume_from - round(buffer_s * self.loaded.config.camera.fps))

    def consume(
        self,
        frames: Iterable[Frame],
        on_frame: Callable[[Frame], None] | None = None,
        dropped: Callable[[], int] | None = None,
    ) -> RunProgress:
        """``dropped``: frames the source's queue has dropped so far (a live camera), saved with the
        run's progress for the ops page."""
        self._dropped = dropped
        try:
            for frame in frames:
                self.progress.frames = frame.index + 1  # frames of the source, processed or skipped
                if self.resume_from is not None and frame.index < self.resume_from:
                    if self.warm_from is not None and frame.index >= self.warm_from:
                        self.processor.warm(frame)
                else:
                    self._save(self.processor.feed(frame), frame)
                if on_frame:
                    on_frame(frame)
            self._save(self.processor.flush(), None)
        except KeyboardInterrupt:
            self._finish(RunStatus.interrupted, "interrupted")
            raise
        except LeaseLost:  # another worker has taken the run over: its status is that worker's now
            raise
        except Exception as exc:
            self._finish(RunStatus.failed, str(exc))
            raise
        self._finish(RunStatus.completed, None)
        return self.progress

    def _save(self, events: list[ViolationEvent], frame: Frame | None) -> None:
        due = frame is not None and (
            self._last_checkpoint_at is None
            or (frame.captured_at - self._last_checkpoint_at).total_seconds() >= CHECKPOINT_EVERY_S
        )
        if not events and not due:
            return
        with session_scope() as session:
            run = session.get_one(ProcessingRun, self.run_id)
            found = []
            for event in events:
                key = dedup_key(event)
                created = None
                if self.kind is not RunKind.replay:
                    camera = ensure_camera(session, self.loaded, actor=ACTOR)
                    created = record_event(session, self.store, camera, event, self.loaded, self.run_id)
                    if created is not None:
                        run.candidates_created += 1
                        self.progress.candidates += 1
                found.append(
                    {**event.summary(), "key": key, "candidate_id": str(created.id) if created else None}
                )
            if found:
                self.progress.events += record_run_events(session, self.run_id, found)
            if frame is not None:
                run.frames_done = max(run.frames_done, frame.index + 1)
                run.last_frame_at = frame.captured_at
                if self._dropped is not None:
                    run.frames_dropped = self._dropped()
                # A live run never resumes (it starts again from the stream's present).
                checkpoint = _checkpoint(self.processor, frame) if self.kind is not RunKind.live else None
                if checkpoint is not None:
                    run.checkpoint = checkpoint
                self._last_checkpoint_at = frame.captured_at

    def _finish(self, status: RunStatus, error: str | None) -> None:
        with session_scope() as session:
            run = session.get_one(ProcessingRun, self.run_id)
            run.status = status
            run.error = error
            run.frames_done = max(run.frames_done, self.progress.frames)
            if self._dropped is not None:
                run.frames_dropped = self._dropped()
            run.finished_at = utc_now()


def footage_sha256(path: Path) -> str:
    return sha256_file(path)
