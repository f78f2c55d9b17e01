"""ByteTrack (Zhang et al., 2022) in numpy: no torch, no Ultralytics on the camera loop.

Each track is a constant-velocity Kalman filter over (cx, cy, aspect, height). Per frame:
1. high-score detections are matched by IoU to every confirmed track, lost ones included;
2. low-score detections are matched to the confirmed tracks still unmatched that were tracked last
   frame (they extend a track, never start one); tracks still unmatched become lost;
3. high-score detections left are matched to the unconfirmed tracks (one frame old); unmatched
   unconfirmed tracks are dropped;
4. high-score detections left above ``new_track`` start unconfirmed tracks (confirmed on the first
   frame, or when matched again the next frame);
5. lost tracks older than ``track_buffer`` frames are dropped; a tracked and a lost track on the same
   box (IoU > 0.85) keep the older one.
Parameters mean what they mean in Ultralytics' BYTETracker (``fuse_score`` off).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import lap
import numpy as np

SECOND_STAGE_MATCH = 0.5  # IoU distance limit for low-score detections
UNCONFIRMED_MATCH = 0.7  # for a track seen once
DUPLICATE_IOU = 0.85  # a tracked and a lost track this close are one object


class KalmanXYAH:
    """Constant velocity over (cx, cy, aspect, height); noise proportional to the box height."""

    position_weight = 1 / 20
    velocity_weight = 1 / 160

    def __init__(self) -> None:
        self.motion = np.eye(8)
        self.motion[:4, 4:] = np.eye(4)

    def initiate(self, xyah: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = xyah[3]
        p, v = self.position_weight * h, self.velocity_weight * h
        std = np.array([2 * p, 2 * p, 1e-2, 2 * p, 10 * v, 10 * v, 1e-5, 10 * v])
        return np.concatenate([xyah, np.zeros(4)]), np.diag(std**2)

    def predict(self, means: np.ndarray, covs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Many tracks at once: means (n, 8), covariances (n, 8, 8)."""
        h = means[:, 3]
        p, v = self.position_weight * h, self.velocity_weight * h
        std = np.stack([p, p, np.full_like(h, 1e-2), p, v, v, np.full_like(h, 1e-5), v], axis=1)
        noise = np.zeros_like(covs)
        noise[:, range(8), range(8)] = std**2
        return means @ self.motion.T, self.motion @ covs @ self.motion.T + noise

    def update(self, mean: np.ndarray, cov: np.ndarray, xyah: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = self.position_weight * mean[3]
        projected_cov = cov[:4, :4] + np.diag(np.array([p, p, 1e-1, p]) ** 2)
        gain = np.linalg.solve(projected_cov, cov[:4, :]).T  # (8, 4)
        new_mean = mean + gain @ (xyah - mean[:4])
        return new_mean, cov - gain @ projected_cov @ gain.T


class State(Enum):
    tracked = 1
    lost = 2
    removed = 3


@dataclass(eq=False)
class Track:
    mean: np.ndarray
    cov: np.ndarray
    score: float
    detection: int  # index of this frame's detection (meaningful while tracked)
    start_frame: int
    last_frame: int
    id: int = 0
    state: State = State.tracked
    confirmed: bool = False

    @property
    def xyxy(self) -> np.ndarray:
        cx, cy, a, h = self.mean[:4]
        w = a * h
        return np.array([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2])


@dataclass
class _Detections:
    xyxy: np.ndarray
    scores: np.ndarray
    index: np.ndarray  # into the frame's detections

    def __len__(self) -> int:
        return len(self.scores)

    def take(self, keep: list[int] | np.ndarray) -> _Detections:
        keep = np.asarray(keep, dtype=np.int64)
        return _Detections(self.xyxy[keep], self.scores[keep], self.index[keep])


def xyxy_to_xyah(xyxy: np.ndarray) -> np.ndarray:
    w, h = xyxy[2] - xyxy[0], xyxy[3] - xyxy[1]
    return np.array([(xyxy[0] + xyxy[2]) / 2, (xyxy[1] + xyxy[3]) / 2, w / h, h], dtype=np.float64)


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of (n, 4) and (m, 4) xyxy boxes."""
    if not len(a) or not len(b):
        return np.zeros((len(a), len(b)))
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=2)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    return inter / (area_a[:, None] + area_b[None, :] - inter + 1e-7)


def assign(cost: np.ndarray, limit: float) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Minimum-cost matching keeping pairs under ``limit``: (pairs, unmatched rows, unmatched columns)."""
    rows, cols = cost.shape
    if cost.size == 0:
        return [], list(range(rows)), list(range(cols))
    _, row_to_col, col_to_row = lap.lapjv(cost, extend_cost=True, cost_limit=limit)
    pairs = [(r, int(c)) for r, c in enumerate(row_to_col) if c >= 0]
    return pairs, [r for r in range(rows) if row_to_col[r] < 0], [c for c in range(cols) if col_to_row[c] < 0]


def _boxes(tracks: list[Track]) -> np.ndarray:
    return np.array([t.xyxy for t in tracks]).reshape(-1, 4)


@dataclass
class ByteTrack:
    high: float = 0.25
    low: float = 0.1
    new_track: float = 0.25
    track_buffer: int = 30
    match: float = 0.8
    frame: int = 0
    tracked: list[Track] = field(default_factory=list)
    lost: list[Track] = field(default_factory=list)
    _next_id: int = 1
    _kalman: KalmanXYAH = field(default_factory=KalmanXYAH)

    def update(self, xyxy: np.ndarray, scores: np.ndarray) -> list[tuple[int, int]]:
        """(detection index, track id) for each detection that belongs to a confirmed track now."""
        self.frame += 1
        xyxy = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
        scores = np.asarray(scores, dtype=np.float64)
        valid = (xyxy[:, 2] > xyxy[:, 0]) & (xyxy[:, 3] > xyxy[:, 1])
        every = _Detections(xyxy, scores, np.arange(len(scores)))
        high = every.take(np.flatnonzero(valid & (scores >= self.high)))
        low = every.take(np.flatnonzero(valid & (scores > self.low) & (scores < self.high)))

        unconfirmed = [t for t in self.tracked if not t.confirmed]
        pool = [t for t in self.tracked if t.confirmed] + self.lost
        self._predict(pool)

        # 1. high-score detections against every confirmed track, lost ones included
        pairs, left_tracks, left_high = assign(1 - iou(_boxes(pool), high.xyxy), self.match)
        for t, d in pairs:
            self._extend(pool[t], high, d)
        # 2. low-score detections against the tracks still unmatched that were tracked last frame
        remaining = [pool[t] for t in left_tracks if pool[t].state is State.tracked]
        pairs, left_remaining, _ = assign(1 - iou(_boxes(remaining), low.xyxy), SECOND_STAGE_MATCH)
        for t, d in pairs:
            self._extend(remaining[t], low, d)
        for t in left_remaining:
            remaining[t].state = State.lost
        # 3. high-score detections left against the tracks seen once
        high = high.take(left_high)
        pairs, left_unconfirmed, left_high = assign(
            1 - iou(_boxes(unconfirmed), high.xyxy), UNCONFIRMED_MATCH
        )
        for t, d in pairs:
            self._extend(unconfirmed[t], high, d)
        for t in left_unconfirmed:
            unconfirmed[t].state = State.removed
        # 4. new tracks
        for d in left_high:
            if high.scores[d] >= self.new_track:
                self._start(high, d)
        # 5. forget stale lost tracks
        for track in pool:
            if track.state is State.lost and self.frame - track.last_frame > self.track_buffer:
                track.state = State.removed
        self._sort_out(pool + unconfirmed)
        return [(t.detection, t.id) for t in self.tracked if t.confirmed]

    def _predict(self, tracks: list[Track]) -> None:
        if not tracks:
            return
        means = np.array([t.mean for t in tracks])
        for i, t in enumerate(tracks):
            if t.state is not State.tracked:
                means[i, 7] = 0  # a lost box keeps its size
        means, covs = self._kalman.predict(means, np.array([t.cov for t in tracks]))
        for t, mean, cov in zip(tracks, means, covs, strict=True):
            t.mean, t.cov = mean, cov

    def _extend(self, track: Track, detections: _Detections, d: int) -> None:
        track.mean, track.cov = self._kalman.update(track.mean, track.cov, xyxy_to_xyah(detections.xyxy[d]))
        track.state, track.confirmed = State.tracked, True
        track.score, track.detection, track.last_frame = (
            float(detections.scores[d]),
            int(detections.index[d]),
            self.frame,
        )

    def _start(self, detections: _Detections, d: int) -> None:
        mean, cov = self._kalman.initiate(xyxy_to_xyah(detections.xyxy[d]))
        track = Track(
            mean, cov, float(detections.scores[d]), int(detections.index[d]), self.frame, self.frame
        )
        track.id, self._next_id = self._next_id, self._next_id + 1
        track.confirmed = self.frame == 1  # the first frame's tracks are confirmed at once
        self.tracked.append(track)

    def _sort_out(self, seen: list[Track]) -> None:
        """Tracked and lost lists after a frame, without duplicates of one object."""
        new = [t for t in self.tracked if t not in seen]  # started this frame
        tracked = [t for t in seen if t.state is State.tracked] + new
        lost = [t for t in seen if t.state is State.lost]
        tracked.sort(key=lambda t: t.id)
        overlap = iou(_boxes(tracked), _boxes(lost)) > DUPLICATE_IOU
        drop_tracked: set[int] = set()
        drop_lost: set[int] = set()
        for i, j in zip(*np.nonzero(overlap), strict=True):
            if tracked[i].last_frame - tracked[i].start_frame > lost[j].last_frame - lost[j].start_frame:
                drop_lost.add(j)
            else:
                drop_tracked.add(i)
        self.tracked = [t for i, t in enumerate(tracked) if i not in drop_tracked]
        self.lost = [t for j, t in enumerate(lost) if j not in drop_lost]
