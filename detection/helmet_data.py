"""helmet_dev (../shared/datasets/helmet_dev): head boxes with and without a helmet, motorbike boxes,
and its fixed split into a part that is trained on and a held-out part that only measures.

The split is by a stable hash of a *group* key, not of each image: frames of the fixed roadside camera
(upstream names ``Screenshot-<n>-…`` and ``yosiabatch…-<n>-…``) that were grabbed close together are
near-identical, so frames whose numbers fall in the same block of ``FRAME_BLOCK`` share a group and
land on one side together. A stock photo is its own group.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HEAD_CLASSES = {"rider_helmet": "head_helmet", "rider_no_helmet": "head_no_helmet"}
HELD_OUT_PERCENT = 30
FRAME_BLOCK = 20  # fixed-camera frames numbered within one block of 20 stay on one side
_FIXED_CAMERA = re.compile(r"^helmonzy__(Screenshot|yosiabat+ch\d*)-(\d+)-")

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Head:
    box: Box
    helmet: bool


@dataclass(frozen=True)
class Motorbike:
    box: Box
    riders_heuristic: int  # helmet_dev's own count: only right for a motorbike standing alone


@dataclass
class HelmetImage:
    image: Path
    heads: list[Head] = field(default_factory=list)
    motorbikes: list[Motorbike] = field(default_factory=list)

    @property
    def fixed_camera(self) -> bool:
        return _FIXED_CAMERA.match(self.image.name) is not None


def group_key(name: str) -> str:
    """Near-identical fixed-camera frames share a key; any other image is its own group."""
    match = _FIXED_CAMERA.match(name)
    if match is None:
        return name
    prefix, number = match.group(1), int(match.group(2))
    return f"{prefix}#{number // FRAME_BLOCK}"


def helmet_part(name: str) -> str:
    """ "train" or "held-out" (about 70/30), by a SHA-256 of the image's group key."""
    digest = hashlib.sha256(group_key(name).encode()).digest()
    return "held-out" if int.from_bytes(digest[:4], "big") % 100 < HELD_OUT_PERCENT else "train"


def _box(row: dict[str, str]) -> Box:
    return (float(row["x1"]), float(row["y1"]), float(row["x2"]), float(row["y2"]))


def read_helmet_dev(folder: Path) -> list[HelmetImage]:
    """Every image of the folder (images/ + labels.csv, optional motorbikes.csv), sorted by name."""
    labels = folder / "labels.csv"
    if not labels.exists():
        raise FileNotFoundError(f"{folder} has no labels.csv (columns image,class,x1,y1,x2,y2)")
    images: dict[str, HelmetImage] = {}
    with open(labels, newline="") as fh:
        for row in csv.DictReader(fh):
            if row["class"] not in HEAD_CLASSES:
                raise ValueError(f"{labels}: unknown class {row['class']!r} (known: {sorted(HEAD_CLASSES)})")
            item = images.setdefault(row["image"], HelmetImage(folder / row["image"]))
            item.heads.append(Head(_box(row), row["class"] == "rider_helmet"))
    motorbikes = folder / "motorbikes.csv"
    if motorbikes.exists():
        with open(motorbikes, newline="") as fh:
            for row in csv.DictReader(fh):
                item = images.setdefault(row["image"], HelmetImage(folder / row["image"]))
                item.motorbikes.append(Motorbike(_box(row), int(row["riders_heuristic"])))
    return [images[k] for k in sorted(images)]


def split(items: list[HelmetImage]) -> dict[str, list[HelmetImage]]:
    parts: dict[str, list[HelmetImage]] = defaultdict(list)
    for item in items:
        parts[helmet_part(item.image.name)].append(item)
    return {"train": parts["train"], "held-out": parts["held-out"]}


def rider_crop(motorbike: Box, width: int, height: int) -> tuple[int, int, int, int]:
    """The part of the frame that holds a motorbike and its riders' heads: the motorbike box widened by
    15 % each side and raised by 1.1 of its height (in helmet_dev a rider's head top sits a median
    0.38 and at the 95th percentile 0.89 of the motorbike's height above the motorbike box), clipped
    to the frame."""
    x1, y1, x2, y2 = motorbike
    w, h = x2 - x1, y2 - y1
    return (
        max(0, int(x1 - 0.15 * w)),
        max(0, int(y1 - 1.1 * h)),
        min(width, int(x2 + 0.15 * w + 0.5)),
        min(height, int(y2 + 0.05 * h + 0.5)),
    )
