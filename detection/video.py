"""Plates over video: vehicle tracking, one voted read per vehicle, and motion gating."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from detection.pipeline import PlatePipeline
from detection.tracking import Tracker
from ocr.vote import TrackVotes, Verdict


class VideoError(ValueError):
    pass


def iter_video(path: Path) -> Iterator[tuple[int, np.ndarray]]:
    """(frame index, BGR frame) from a video file; a clear error when it cannot be decoded."""
    if not Path(path).exists():
        raise VideoError(f"{path} does not exist")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise VideoError(f"{path} is not a readable video (corrupt or unsupported container)")
    index = 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            yield index, frame
            index += 1
    finally:
        cap.release()
    if index == 0:
        raise VideoError(f"{path} has no decodable frames")


class MotionGate:
    """Skips frames that barely differ from the last processed one (a still scene costs nothing)."""

    def __init__(self, threshold: float = 0.002, size: tuple[int, int] = (160, 90)):
        self.threshold = threshold
        self.size = size
        self._reference: np.ndarray | None = None

    def changed(self, frame: np.ndarray) -> bool:
        small = cv2.cvtColor(cv2.resize(frame, self.size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY)
        if self._reference is not None:
            moving = np.count_nonzero(cv2.absdiff(small, self._reference) > 18) / small.size
            if moving < self.threshold:
                return False
        self._reference = small
        return True


@dataclass
class VehicleRead:
    track_id: int
    vehicle_class: str
    verdict: Verdict
    first_frame: int
    last_frame: int


@dataclass
class _Track:
    vehicle_class: str
    first: int
    last: int
    votes: TrackVotes = field(default_factory=TrackVotes)


class TrackedPlateReader:
    """Feed frames in order; each vehicle's voted read is emitted once its track has ended."""

    def __init__(self, pipeline: PlatePipeline, *, lost_after: int = 30, gate: MotionGate | None = None):
        self.pipeline = pipeline
        self.tracker = Tracker(track_buffer=lost_after)
        self.lost_after = lost_after
        self.gate = gate
        self.tracks: dict[int, _Track] = {}
        self.frames = self.processed = 0

    def feed(self, index: int, frame: np.ndarray) -> list[VehicleRead]:
        self.frames += 1
        if self.gate is None or self.gate.changed(frame):
            self.processed += 1
            vehicles = self.tracker.update(self.pipeline.vehicles.detect(frame))
            crops: list[np.ndarray] = []
            plates = self.pipeline.plates_for(frame, vehicles, full_frame_fallback=False, crops_out=crops)
            for plate, crop in zip(plates, crops, strict=True):
                if plate.track_id is None or plate.read is None:
                    continue
                track = self.tracks.setdefault(
                    plate.track_id, _Track(plate.vehicle_class or "", index, index)
                )
                track.votes.add(plate.read, crop)
            for tid in vehicles.tracker_id if vehicles.tracker_id is not None else []:
                if int(tid) in self.tracks:
                    self.tracks[int(tid)].last = index
        return self._finished(index)

    def flush(self) -> list[VehicleRead]:
        return self._finished(None)

    def _finished(self, index: int | None) -> list[VehicleRead]:
        done = [tid for tid, t in self.tracks.items() if index is None or index - t.last > self.lost_after]
        out = []
        for tid in done:
            track = self.tracks.pop(tid)
            verdict = track.votes.verdict()
            if verdict is not None:
                out.append(VehicleRead(tid, track.vehicle_class, verdict, track.first, track.last))
        return out
