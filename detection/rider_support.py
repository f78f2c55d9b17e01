"""Motorbikes kept in view by their riders.

Beside a car or in a dense queue the COCO detector's motorbike score can fade below every threshold
for a second or more while the rider on it stays plain to see (a rider waiting at a Hanoi stop line: the
motorbike at 0.04–0.10 or nothing, the person at 0.55–0.69). The track is then lost, and when the rider
moves off on red a new track starts past the line: the crossing belongs to no track. So a motorbike
track remembers its rider (the person box on it, and where the motorbike box lies relative to that
person), and while its own box is not found, the same rider found near where they were last stands for
it: the motorbike's last box moved as the rider's centre and head moved (they stay put while the legs
lift off the ground), scored just enough to continue the track (never to start one). A rider who does
not move leaves the box exactly where the motorbike was last seen: no jitter across a stop line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from detection.types import Detections, iou

Box = tuple[float, float, float, float]
Placed = dict[Box, tuple[int, Box]]  # placed motorbike box → (track id, the rider's box it came from)

RIDER_CONF = 0.3  # a person box this sure can stand for its motorbike
SAME_RIDER_IOU = 0.5  # the rider found again near their last box
BIKE_SEEN_IOU = 0.3  # a detection this close to the motorbike's last box: the motorbike is found


@dataclass(frozen=True)
class Carrier:
    """A motorbike and its rider, as last seen together (or last placed)."""

    rider: Box
    bike: Box

    def bike_box(self, rider: Box) -> Box:
        """The motorbike where the rider now is: moved as the rider's centre and head moved."""
        dx = (rider[0] + rider[2] - self.rider[0] - self.rider[2]) / 2
        dy = rider[1] - self.rider[1]
        return (self.bike[0] + dx, self.bike[1] + dy, self.bike[2] + dx, self.bike[3] + dy)

    def moved_to(self, rider: Box) -> Carrier:
        return Carrier(rider, self.bike_box(rider))


def carrier_of(bike: Box, riders: Detections) -> Carrier | None:
    """The person riding this motorbike box, if one is found: their centre over the bike, their head
    above its top and their lower edge in its lower half (a person merely behind it ends higher)."""
    best: tuple[float, Box] | None = None
    for box, conf in zip(riders.xyxy.tolist(), riders.confidence.tolist(), strict=True):
        if conf >= RIDER_CONF and _rides(box, bike) and (best is None or conf > best[0]):
            best = (conf, (box[0], box[1], box[2], box[3]))
    return None if best is None else Carrier(best[1], bike)


def _box(values: np.ndarray | Box) -> Box:
    x1, y1, x2, y2 = (float(v) for v in values)
    return (x1, y1, x2, y2)


def box_key(values: np.ndarray | Box) -> Box:
    """A box as a dict key that survives a trip through float32 arrays (0.1 px)."""
    x1, y1, x2, y2 = (round(float(v), 1) for v in values)
    return (x1, y1, x2, y2)


def _rides(person: list[float], bike: Box) -> bool:
    x1, y1, x2, y2 = person
    bx1, by1, bx2, by2 = bike
    h = by2 - by1  # seated: head above the motorbike, lower edge (legs) in its lower half
    return bx1 <= (x1 + x2) / 2 <= bx2 and y1 < by1 and by1 + 0.5 * h <= y2 <= by2 + 0.1 * h


def carried(
    vehicles: Detections,
    riders: Detections,
    missing: Mapping[int, tuple[Carrier, Box]],
    motorbike: int,
    score: float,
) -> tuple[Detections, Placed]:
    """``vehicles`` plus a motorbike box (class index ``motorbike``, confidence ``score``) for each
    remembered track (``missing``: track id → its carrier and last motorbike box) that no detection of
    at least ``score`` finds again but whose rider is found near their last box; weaker detections on
    a placed box are dropped. Also {placed box: (track id, rider box)}."""
    strong = vehicles.xyxy[vehicles.confidence >= score]
    placed: Placed = {}
    used: set[int] = set()
    for tid, (carrier, last) in missing.items():
        if len(strong) and iou(np.array([last], np.float32), strong).max() >= BIKE_SEEN_IOU:
            continue
        overlaps = iou(np.array([carrier.rider], np.float32), riders.xyxy)[0] if len(riders) else []
        options = [
            j
            for j in np.argsort(-np.asarray(overlaps))
            if overlaps[j] >= SAME_RIDER_IOU and riders.confidence[j] >= RIDER_CONF and j not in used
        ]
        if not options:
            continue
        j = int(options[0])
        rider = _box(riders.xyxy[j])
        bike = box_key(carrier.bike_box(rider))
        if len(strong) and iou(np.array([bike], np.float32), strong).max() >= BIKE_SEEN_IOU:
            continue  # the motorbike is found where its rider says: it needs no stand-in
        used.add(j)
        placed[bike] = (tid, rider)
    if not placed:
        return vehicles, {}
    boxes = np.array(list(placed), np.float32)
    weak_on_placed = (iou(vehicles.xyxy, boxes).max(axis=1) > 0.5) & (vehicles.confidence < score)
    keep = vehicles[np.flatnonzero(~weak_on_placed)]
    added = Detections(
        boxes,
        np.full(len(boxes), score, np.float32),
        np.full(len(boxes), motorbike, np.int64),
        vehicles.class_names,
    )
    return Detections.merge([keep, added], vehicles.class_names), placed
