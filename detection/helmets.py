"""Riders and their helmets, per motorbike: the helmet detector run on motorbike crops (never the whole
frame), heads assigned to their motorbike, riders counted and ordered, the driver picked by geometry,
and a track-level vote so that one blurred frame (a cap, a hood, hair) never decides.

Geometry rules (image pixels, y grows downwards):

- A head belongs to the motorbike whose rider zone holds the head's centre: horizontally within the
  motorbike box widened by ``SIDE_MARGIN`` of its width each side, vertically from ``ABOVE`` of its
  height above the box's top to ``INTO`` of its height below the top (a head is never low on the
  bike). A head in several zones goes to the motorbike whose centre line is nearest.
- Every tracked motorbike in view claims its riders, not only those looked at in that frame: a head in
  a neighbour's zone, nearer the neighbour's centre line, is the neighbour's. (The motorbikes the helmet
  model itself finds in a crop are not used as neighbours: on the real Hanoi clip they moved heads
  between motorbikes and added findings; see detection/weights/README.md.)
- The driver is the front-most adult: the head furthest along the direction of travel (the track's
  motion) when the motorbike crosses the image sideways; when it comes towards or goes away from the
  camera, or its motion is unknown, the head lowest in the image when approaching (nearest the camera)
  and the highest when going away. An unknown direction counts as approaching (the usual set-up of an
  enforcement camera, facing oncoming traffic). A possible child (``CHILD_HEAD_RATIO``) is never the
  driver while an adult rides.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from detection.helmet_data import rider_crop
from detection.types import Detections, iou

SIDE_MARGIN = 0.15
ABOVE = 1.2
INTO = 0.6
DUPLICATE_IOU = 0.5  # the same head found in two overlapping crops
CHILD_HEAD_RATIO = 0.75  # a head under 3/4 of the median adult head height on the same motorbike
HEAD_CLASSES = ("head_helmet", "head_no_helmet")
# A head is called bare when the model's no-helmet score for it reaches this, even where its helmet
# score is higher: tuned by bench/helmets.py on the training run's val photos (never on held-out) as
# the highest no-helmet recall at ≤ 5 % false no-helmet calls there (int8, crops at CROP_IMGSZ packed
# side by side as the camera loop runs them); tune it again on Vietnamese footage.
NO_HELMET_THRESHOLD = 0.12
# The rider crops' input size: the size the model is trained at (small heads stay readable; at 256 the
# shipped model found fewer heads and called fewer bare ones, see detection/weights/README.md).
CROP_IMGSZ = 320
# Grey columns between two rider crops packed side by side into one input (one stride: the crops'
# features stay apart).
TILE_GAP = 32
SAME_HEAD_IOU = 0.5
# A frame shows a head clearly when the head is at least this tall and its class this sure.
MIN_HEAD_PX = 12.0
MIN_CLEAR_CONFIDENCE = 0.3
# The vote: at least this many clear frames, and this share of them agreeing.
MIN_CLEAR_FRAMES = 3
MIN_AGREEMENT = 0.7


class Helmet(StrEnum):
    worn = "worn"
    missing = "missing"
    unclear = "unclear"


@dataclass(frozen=True)
class Rider:
    """One head on one motorbike in one frame; ``position`` 0 is the driver, then front to back."""

    head: tuple[float, float, float, float]
    helmet: bool
    confidence: float
    position: int
    possible_child: bool


@dataclass(frozen=True)
class MotorbikeRiders:
    motorbike: tuple[float, float, float, float]
    riders: tuple[Rider, ...]

    @property
    def count(self) -> int:
        return len(self.riders)


def heads_only(found: Detections) -> Detections:
    keep = [i for i in range(len(found)) if found.name(i) in HEAD_CLASSES]
    return found[keep]


def dedupe_indices(heads: Detections) -> list[int]:
    """One box per head: of two boxes overlapping by ``DUPLICATE_IOU`` or more, the surer one."""
    order = np.argsort(-heads.confidence, kind="stable")
    overlaps = iou(heads.xyxy, heads.xyxy)
    kept: list[int] = []
    for i in order:
        if all(overlaps[i, j] < DUPLICATE_IOU for j in kept):
            kept.append(int(i))
    return sorted(kept)


def dedupe_heads(heads: Detections) -> Detections:
    return heads[dedupe_indices(heads)]


def assign_heads(heads: Detections, motorbikes: np.ndarray) -> list[list[int]]:
    """For each motorbike box (xyxy rows), the indices of the heads in its rider zone (see module doc)."""
    assigned: list[list[int]] = [[] for _ in range(len(motorbikes))]
    for i, (x1, y1, x2, y2) in enumerate(heads.xyxy):
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        best, best_gap = None, np.inf
        for m, (mx1, my1, mx2, my2) in enumerate(motorbikes):
            w, h = mx2 - mx1, my2 - my1
            in_x = mx1 - SIDE_MARGIN * w <= cx <= mx2 + SIDE_MARGIN * w
            in_y = my1 - ABOVE * h <= cy <= my1 + INTO * h
            gap = abs(cx - (mx1 + mx2) / 2)
            if in_x and in_y and gap < best_gap:
                best, best_gap = m, gap
        if best is not None:
            assigned[best].append(i)
    return assigned


def possible_children(heights: Sequence[float]) -> list[bool]:
    """Heads much smaller than the others on the same motorbike (needs two heads or more)."""
    if len(heights) < 2:
        return [False] * len(heights)
    reference = float(np.median(heights)) if len(heights) > 2 else max(heights)
    return [h < CHILD_HEAD_RATIO * reference for h in heights]


def front_to_back(heads: np.ndarray, travel: tuple[float, float] | None) -> list[int]:
    """Indices of the head boxes (xyxy rows) from the front of the motorbike to its back."""
    centres = np.column_stack([(heads[:, 0] + heads[:, 2]) / 2, (heads[:, 1] + heads[:, 3]) / 2])
    if travel is not None and abs(travel[0]) > abs(travel[1]):
        ahead = centres[:, 0] * np.sign(travel[0])  # sideways: furthest along the motion
    elif travel is not None and travel[1] < 0:
        ahead = -heads[:, 3]  # going away: the front rider is the farthest, highest in the image
    else:
        ahead = heads[:, 3]  # approaching or unknown: the lowest head is nearest the camera
    return [int(i) for i in np.argsort(-ahead, kind="stable")]


def order_riders(heads: Detections, travel: tuple[float, float] | None = None) -> tuple[Rider, ...]:
    """The heads of one motorbike as riders: the driver first (front-most adult), then front to back."""
    if not len(heads):
        return ()
    heights = list(heads.xyxy[:, 3] - heads.xyxy[:, 1])
    child = possible_children(heights)
    order = front_to_back(heads.xyxy, travel)
    adults_first = [i for i in order if not child[i]][:1]
    order = adults_first + [i for i in order if i not in adults_first]
    return tuple(
        Rider(
            tuple(float(v) for v in heads.xyxy[i]),  # type: ignore[arg-type]
            heads.name(i) == "head_helmet",
            float(heads.confidence[i]),
            position,
            child[i],
        )
        for position, i in enumerate(order)
    )


def riders_per_motorbike(
    heads: Detections,
    motorbikes: np.ndarray,
    travel: Sequence[tuple[float, float] | None] | None = None,
    neighbours: np.ndarray | None = None,
) -> list[MotorbikeRiders]:
    """Heads (frame pixels, duplicates allowed) → each motorbike's riders, in the motorbikes' order; a
    head nearer one of the ``neighbours`` (other motorbikes in view, xyxy rows) is none of theirs."""
    heads = dedupe_heads(heads_only(heads))
    claimants = motorbikes
    if neighbours is not None and len(neighbours):
        claimants = np.vstack([motorbikes, neighbours]).astype(np.float32)
    out = []
    for m, indices in enumerate(assign_heads(heads, claimants)[: len(motorbikes)]):
        direction = travel[m] if travel is not None else None
        box = tuple(float(v) for v in motorbikes[m])
        out.append(MotorbikeRiders(box, order_riders(heads[indices], direction)))  # type: ignore[arg-type]
    return out


def crops_for(frame_shape: tuple[int, ...], motorbikes: np.ndarray) -> list[tuple[int, int, int, int]]:
    h, w = frame_shape[:2]
    return [rider_crop(tuple(float(v) for v in box), w, h) for box in motorbikes]  # type: ignore[arg-type]


def input_columns(frame_shape: tuple[int, ...], motorbike: Sequence[float], size: int = CROP_IMGSZ) -> int:
    """How wide a motorbike's rider crop is in the detector's input (its longer side scaled to ``size``,
    as ``pack_side_by_side`` places it): what looking at it costs, since the run costs the input's area."""
    h, w = frame_shape[:2]
    x1, y1, x2, y2 = rider_crop(tuple(float(v) for v in motorbike), w, h)  # type: ignore[arg-type]
    cw, ch = max(1, x2 - x1), max(1, y2 - y1)
    return max(1, round(cw * min(size / ch, size / cw)))


def to_frame(found: Detections, crop: tuple[int, int, int, int]) -> Detections:
    """Boxes found in a crop, in the frame's pixels."""
    shifted = found.xyxy + np.array([crop[0], crop[1], crop[0], crop[1]], np.float32)
    return Detections(shifted, found.confidence, found.class_id, found.class_names)


def bare_scores(heads: Detections, bare: Detections) -> np.ndarray:
    """Each head's no-helmet score: that of the no-helmet box on the same head (0 where none)."""
    scores = np.zeros(len(heads), np.float32)
    if len(heads) and len(bare):
        overlaps = iou(heads.xyxy, bare.xyxy)
        same = overlaps >= SAME_HEAD_IOU
        scores = np.where(same, bare.confidence[None, :], 0.0).max(axis=1).astype(np.float32)
    return scores


def call_bare(heads: Detections, scores: np.ndarray, threshold: float = NO_HELMET_THRESHOLD) -> Detections:
    """The heads, each classed head_no_helmet where its no-helmet score reaches ``threshold`` and
    head_helmet otherwise (confidence: how sure the model is of a head, either class)."""
    names = heads.class_names
    bare, helmet = names.index("head_no_helmet"), names.index("head_helmet")
    is_head = np.isin(heads.class_id, [bare, helmet])
    class_id = np.where(is_head, np.where(scores >= threshold, bare, helmet), heads.class_id)
    return Detections(heads.xyxy, heads.confidence, class_id.astype(np.int64), names)


class HelmetDetector:
    """The trained helmet model (`tvp models train-helmets`) run on the motorbikes' rider crops, in
    one batch per frame."""

    def __init__(
        self,
        *,
        imgsz: int = CROP_IMGSZ,
        conf: float = 0.25,
        no_helmet_threshold: float = NO_HELMET_THRESHOLD,
        threads: int | None = None,
        packed: bool = True,
    ):
        from detection.models import resolve
        from detection.yolo import YoloDetector

        model = resolve("helmet")
        self.no_helmet_threshold = no_helmet_threshold
        self.packed = packed
        self.detector = YoloDetector(
            model, imgsz=imgsz, conf=conf, threads=threads, agnostic=True, rect=False
        )
        bare_only = {i: n for i, n in model.classes.items() if n == "head_no_helmet"}
        # The same session's output read for the no-helmet score alone (no second run).
        self.bare = YoloDetector(model, imgsz=imgsz, threads=threads, rect=False, classes=bare_only)

    def scored_heads(self, frame: np.ndarray, motorbikes: np.ndarray) -> tuple[Detections, np.ndarray]:
        """Every box found in the rider crops (frame pixels, classed by its best score) and each one's
        no-helmet score. The crops are packed side by side into one input (``packed``, the default) or
        each padded to a square in a batch."""
        from detection.yolo import RawOutput, _to_input, letterbox, pack_side_by_side, tile_output

        crops = crops_for(frame.shape, motorbikes)
        if not crops:
            return Detections.empty(self.detector.names), np.zeros(0, np.float32)
        images = [frame[y1:y2, x1:x2] for x1, y1, x2, y2 in crops]
        name = self.detector.session.get_inputs()[0].name
        if self.packed:
            canvas, tiles = pack_side_by_side(images, self.detector.imgsz, TILE_GAP)
            out = self.detector.session.run(None, {name: _to_input(canvas)[None]})[0][0]
            per_crop = [(tile_output(out, t), t.scale, t.pad) for t in tiles]
        else:
            prepared = [letterbox(image, self.detector.imgsz) for image in images]
            blob = np.stack([_to_input(canvas) for canvas, _, _ in prepared])
            outputs = self.detector.session.run(None, {name: blob})[0]
            per_crop = [(o, scale, pad) for o, (_, scale, pad) in zip(outputs, prepared, strict=True)]
        found, scores = [], []
        for (out, scale, pad), image, crop in zip(per_crop, images, crops, strict=True):
            raw = RawOutput(out, scale, pad, image.shape[:2])
            boxes = self.detector.decode(raw)
            bare = self.bare.decode(raw, self.no_helmet_threshold / 2)
            found.append(to_frame(boxes, crop))
            scores.append(bare_scores(boxes, bare))
        return Detections.merge(found, self.detector.names), np.concatenate(scores).astype(np.float32)

    def heads(self, frame: np.ndarray, motorbikes: np.ndarray) -> Detections:
        found, scores = self.scored_heads(frame, motorbikes)
        return call_bare(found, scores, self.no_helmet_threshold)

    def riders(
        self,
        frame: np.ndarray,
        motorbikes: np.ndarray,
        travel: Sequence[tuple[float, float] | None] | None = None,
        neighbours: np.ndarray | None = None,
    ) -> list[MotorbikeRiders]:
        """Each motorbike's riders; ``neighbours``: the other motorbikes in view, not looked at now."""
        return riders_per_motorbike(self.heads(frame, motorbikes), motorbikes, travel, neighbours)


@dataclass(frozen=True)
class RiderVerdict:
    position: int  # 0: the driver
    helmet: Helmet
    confidence: float  # mean class confidence over the clear frames that agree
    frames: tuple[int, ...]  # the clear frames that show the verdict
    possible_child: bool


@dataclass(frozen=True)
class TrackRiders:
    riders: tuple[RiderVerdict, ...]
    count: int  # riders on the motorbike, by vote; 0 when no count was seen in enough frames
    count_frames: tuple[int, ...]


@dataclass
class RiderVote:
    """Each frame's riders of one motorbike track; ``verdict`` gives the track-level decision."""

    seen: list[tuple[int, MotorbikeRiders]] = field(default_factory=list)

    def add(self, frame: int, riders: MotorbikeRiders) -> None:
        self.seen.append((frame, riders))

    def verdict(self) -> TrackRiders:
        return vote(self.seen)


def _clear(rider: Rider) -> bool:
    return rider.head[3] - rider.head[1] >= MIN_HEAD_PX and rider.confidence >= MIN_CLEAR_CONFIDENCE


def vote(seen: Sequence[tuple[int, MotorbikeRiders]]) -> TrackRiders:
    """The count: the number of riders seen in the most frames where every head is clear (at least
    ``MIN_CLEAR_FRAMES`` of them; a tie goes to the smaller count). Each rider position of that count,
    over those same frames: missing or worn when ``MIN_AGREEMENT`` of its clear frames say so, else
    unclear. A possible child stays flagged if any frame flagged it."""
    clear = [(f, m) for f, m in seen if m.count and all(_clear(r) for r in m.riders)]
    counts = Counter(m.count for _, m in clear)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if not ranked or ranked[0][1] < MIN_CLEAR_FRAMES:
        return TrackRiders((), 0, ())
    count = ranked[0][0]
    frames = [(f, m) for f, m in clear if m.count == count]
    verdicts = []
    for position in range(count):
        looks = [(f, m.riders[position]) for f, m in frames]
        missing = [(f, r) for f, r in looks if not r.helmet]
        worn = [(f, r) for f, r in looks if r.helmet]
        helmet, agreeing = Helmet.unclear, looks
        if len(missing) >= MIN_AGREEMENT * len(looks):
            helmet, agreeing = Helmet.missing, missing
        elif len(worn) >= MIN_AGREEMENT * len(looks):
            helmet, agreeing = Helmet.worn, worn
        verdicts.append(
            RiderVerdict(
                position,
                helmet,
                round(float(np.mean([r.confidence for _, r in agreeing])), 3),
                tuple(f for f, _ in agreeing),
                any(r.possible_child for _, r in looks),
            )
        )
    return TrackRiders(tuple(verdicts), count, tuple(f for f, _ in frames))
