"""Helmets in the camera loop: the helmet detector run on the rider crops of the motorbikes tracked in
a frame (one batched call per frame), each track's RiderVote fed, the best look at each rider kept for
the evidence, and at the track's end the helmet rules evaluated.

The cost per frame is bounded, not just its average. The detector runs once on the frame's chosen
rider crops packed side by side (``HelmetDetector``), and a run costs its input's area: the crops chosen
fill at most ``input_budget`` squares (320 × 320) of a 320-tall input; one crop always fits. The
nearest motorbikes (the tallest boxes: the heads that can be read) go first, then those looked at
least, longest ago; each one is looked at on every ``every_n``-th processed frame at most and no more
once its vote is settled, so the next ones get their turn. A busy scene costs the same per frame as a
quiet one. The choice depends on the frames only (never on timing), so a replay repeats it exactly.

Pure CV (no DB). The per-track state (``TrackHelmets``) lives on the camera's live track, so a run's
in-flight checkpoint carries the votes and the kept looks (small JPEG crops, never whole frames).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import cv2
import numpy as np

from core import metrics
from detection.helmets import (
    CROP_IMGSZ,
    MIN_HEAD_PX,
    TILE_GAP,
    Helmet,
    MotorbikeRiders,
    RiderVote,
    TrackRiders,
    crops_for,
    input_columns,
)
from detection.rules import helmets as helmet_rules
from detection.rules.base import Finding

MAX_LOOKS = 12  # frames a motorbike is looked at at most, then the detector stops
SETTLED_FRAMES = 5  # …or sooner: once this many clear frames agree on the count and every rider is decided
# A head must be MIN_HEAD_PX tall to count (detection.helmets); in helmet_dev a rider's head is a median
# 0.24 and at the 95th percentile 0.49 of the motorbike's height: a motorbike under this is not looked at.
MIN_MOTORBIKE_PX = MIN_HEAD_PX / 0.5
LOOK_QUALITY = 92  # JPEG quality of the kept rider crops
HEAD_SCALE = 4  # the head crop in the evidence, enlarged this much…
HEAD_MIN_PX = 160  # …and to at least this height
Box = tuple[float, float, float, float]


class RiderFinder(Protocol):
    def riders(
        self,
        frame: np.ndarray,
        motorbikes: np.ndarray,
        travel: list[tuple[float, float] | None] | None = None,
        neighbours: np.ndarray | None = None,
    ) -> list[MotorbikeRiders]: ...


@dataclass(frozen=True)
class RiderLook:
    """One rider seen in one frame: the rider crop around the motorbike (JPEG), the head inside it."""

    frame: int
    captured_at: datetime
    helmet: bool
    confidence: float
    head: Box  # in the crop's pixels
    crop_origin: tuple[int, int]  # the crop's top-left corner in the frame
    jpeg: bytes

    @property
    def score(self) -> float:
        return self.confidence * (self.head[3] - self.head[1])

    def crop(self) -> np.ndarray:
        image = cv2.imdecode(np.frombuffer(self.jpeg, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f"the rider crop of frame {self.frame} does not decode")
        return np.asarray(image)

    def head_crop(self) -> np.ndarray:
        """The head, with a little margin, enlarged ``HEAD_SCALE`` times and to at least ``HEAD_MIN_PX``."""
        image = self.crop()
        x1, y1, x2, y2 = self.head
        pad = 0.15 * max(x2 - x1, y2 - y1)
        h, w = image.shape[:2]
        a, b = max(0, int(x1 - pad)), max(0, int(y1 - pad))
        c, d = min(w, int(np.ceil(x2 + pad))), min(h, int(np.ceil(y2 + pad)))
        head = image[b:d, a:c]
        scale = max(HEAD_SCALE, HEAD_MIN_PX / max(1, head.shape[0]))
        size = (max(1, round(head.shape[1] * scale)), max(1, round(head.shape[0] * scale)))
        return cv2.resize(head, size, interpolation=cv2.INTER_CUBIC)


@dataclass(frozen=True)
class RiderEvidence:
    """What the evidence package stores for one rider of a helmet finding."""

    position: int
    helmet: str  # the voted verdict: worn, missing, unclear
    look: RiderLook


@dataclass
class TrackHelmets:
    """One motorbike track's helmet state: the vote, the frame times, the best look per rider."""

    vote: RiderVote = field(default_factory=RiderVote)
    times: dict[int, datetime] = field(default_factory=dict)
    # (riders in the frame, position, helmet) → the best look; the vote decides which count is used
    best: dict[tuple[int, int, bool], RiderLook] = field(default_factory=dict)
    judged: bool = False
    last_look: int | None = None  # the processed-frame count of the latest look

    def due(self, processed: int, every_n: int) -> bool:
        return self.wants_look() and (self.last_look is None or processed - self.last_look >= every_n)

    @property
    def looks(self) -> int:
        return len(self.vote.seen)

    def wants_look(self) -> bool:
        return not self.judged and self.looks < MAX_LOOKS and not self.settled()

    def settled(self) -> bool:
        if self.looks < SETTLED_FRAMES:
            return False
        voted = self.vote.verdict()
        return len(voted.count_frames) >= SETTLED_FRAMES and all(
            r.helmet is not Helmet.unclear for r in voted.riders
        )

    def add(self, index: int, at: datetime, frame: np.ndarray, found: MotorbikeRiders, crop: Any) -> None:
        self.vote.add(index, found)
        self.times[index] = at
        x1, y1, x2, y2 = crop
        encoded: bytes | None = None
        for rider in found.riders:
            key = (found.count, rider.position, rider.helmet)
            head = (rider.head[0] - x1, rider.head[1] - y1, rider.head[2] - x1, rider.head[3] - y1)
            kept = self.best.get(key)
            score = rider.confidence * (rider.head[3] - rider.head[1])
            if kept is not None and kept.score >= score:
                continue
            if encoded is None:
                ok, data = cv2.imencode(".jpg", frame[y1:y2, x1:x2], [cv2.IMWRITE_JPEG_QUALITY, LOOK_QUALITY])
                encoded = data.tobytes() if ok else b""
            if encoded:
                self.best[key] = RiderLook(index, at, rider.helmet, rider.confidence, head, (x1, y1), encoded)

    def findings(
        self, track_id: int, tally: Counter[str] | None = None
    ) -> list[tuple[Finding, list[RiderEvidence]]]:
        """The helmet rules on the voted riders; each finding with every rider's verdict in
        ``measured["riders_seen"]`` and its time the last frame that shows it. ``tally`` counts the
        verdicts (``no count`` for a track whose riders were never clear in enough frames)."""
        self.judged = True
        voted = self.vote.verdict()
        if tally is not None:
            tally.update([str(r.helmet) for r in voted.riders] if voted.count else ["no count"])
        if not voted.count:
            return []
        seen = [_seen(r) for r in voted.riders]
        evidence = self._evidence(voted)
        out = []
        for finding in helmet_rules.evaluate(voted, track_id, datetime.min):
            frames = finding.measured.get("frames") or list(voted.count_frames)
            at = self.times[max(frames)]
            measured = {**finding.measured, "riders_seen": seen}
            out.append((Finding(finding.code, track_id, at, measured), evidence))
        return out

    def _evidence(self, voted: TrackRiders) -> list[RiderEvidence]:
        out = []
        for r in voted.riders:
            wanted = [r.helmet is Helmet.worn] if r.helmet is not Helmet.unclear else [False, True]
            looks = [self.best[k] for k in ((voted.count, r.position, h) for h in wanted) if k in self.best]
            if looks:
                out.append(RiderEvidence(r.position, str(r.helmet), max(looks, key=lambda x: x.score)))
        return out


def _seen(r: Any) -> dict[str, Any]:
    return {
        "rider": r.position,
        "role": "driver" if r.position == 0 else "passenger",
        "helmet": str(r.helmet),
        "confidence": r.confidence,
        "frames": list(r.frames),
        "possible_child": r.possible_child,
    }


def travel_of(points: list[Any]) -> tuple[float, float] | None:
    """The track's recent motion in the image (dx, dy), None when it has barely moved."""
    if len(points) < 2:
        return None
    a, b = points[max(0, len(points) - 6)], points[-1]
    dx, dy = b.x - a.x, b.y - a.y
    return (dx, dy) if abs(dx) + abs(dy) >= 4 else None


Bike = tuple[TrackHelmets, tuple[int, int, int, int], tuple[float, float] | None]


@dataclass
class HelmetStep:
    """Runs the detector on a frame's motorbikes within the per-frame budget and keeps the cost visible
    (ms per frame that ran it, the highest)."""

    finder: RiderFinder
    every_n: int
    camera_id: str
    input_budget: float = 1.0  # in square inputs (CROP_IMGSZ × CROP_IMGSZ)
    frames_run: int = 0
    total_ms: float = 0.0
    last_ms: float = 0.0
    max_ms: float = 0.0
    crops: int = 0  # motorbike crops looked at
    seen: Counter[str] = field(default_factory=Counter)  # ended tracks' rider verdicts (worn, missing…)

    @property
    def mean_ms(self) -> float:
        return self.total_ms / self.frames_run if self.frames_run else 0.0

    def pick(self, processed: int, frame_shape: tuple[int, ...], bikes: list[tuple[int, Bike]]) -> list[Bike]:
        """Of the (track id, bike) in view, those to look at in this processed frame (see module doc)."""

        def turn(item: tuple[int, Bike]) -> tuple[float, int, int, int]:
            track_id, (state, box, _) = item
            last = -1 if state.last_look is None else state.last_look
            return (-(box[3] - box[1]), state.looks, last, track_id)

        chosen: list[Bike] = []
        budget, used = self.input_budget * CROP_IMGSZ, -TILE_GAP
        for _, bike in sorted((b for b in bikes if b[1][0].due(processed, self.every_n)), key=turn):
            width = TILE_GAP + input_columns(frame_shape, bike[1])
            if chosen and used + width > budget:
                continue
            chosen.append(bike)
            used += width
        for state, _, _ in chosen:
            state.last_look = processed
        return chosen

    def run(
        self,
        image: np.ndarray,
        index: int,
        at: datetime,
        bikes: list[Bike],
        neighbours: np.ndarray | None = None,
    ) -> None:
        """Look at ``bikes``; ``neighbours`` (xyxy rows), the other motorbikes in view, claim their own
        riders."""
        if not bikes:
            return
        started = time.perf_counter()
        boxes = np.array([b for _, b, _ in bikes], np.float32)
        found = self.finder.riders(image, boxes, [t for _, _, t in bikes], neighbours)
        crops = crops_for(image.shape, boxes)
        for (state, _, _), riders, crop in zip(bikes, found, crops, strict=True):
            state.add(index, at, image, riders, crop)
        self.last_ms = (time.perf_counter() - started) * 1000
        self.max_ms = max(self.max_ms, self.last_ms)
        self.crops += len(bikes)
        self.total_ms += self.last_ms
        self.frames_run += 1
        metrics.HELMET_LATENCY.labels(self.camera_id).observe(self.last_ms / 1000)
