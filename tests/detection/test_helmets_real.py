"""The shipped helmet detector on helmet_dev's held-out real photos (never trained on), run on the
labelled motorbikes' rider crops as the camera loop will run it. The floors sit below the figures of
bench/helmets.py (see detection/weights/README.md) so that a worse model fails here; the figures
themselves are the bench's."""

from __future__ import annotations

import numpy as np
import pytest

from detection.helmet_data import HelmetImage, read_helmet_dev, split
from detection.helmets import (
    MIN_CLEAR_CONFIDENCE,
    HelmetDetector,
    assign_heads,
    dedupe_heads,
    heads_only,
    riders_per_motorbike,
)
from detection.images import load_image
from detection.types import Detections, iou
from tests.support.datasets import helmet_dev

NAMES = ("motorbike", "head_helmet", "head_no_helmet")
# The shipped int8 model (the default here; crops at 320 packed side by side, no-helmet score 0.12 tuned
# on the training run's val photos), on these tests' own selection: heads found 184/194 (94.8 %), bare
# heads called bare 43/52 (82.7 %) at 7/142 (4.9 %) helmeted heads called bare, 51 of the 55 lone
# motorbikes counted exactly (92.7 %); bench/helmets.py: 93.8 %, 80.8 % at 4.9 %, 88.4 % (separable).
# The floors leave a head or two of room for other CPUs' int8 arithmetic; the issue's targets live in
# bench/helmets.py.
FOUND_FLOOR = 0.9
BARE_RECALL_FLOOR = 0.76
FALSE_BARE_CEILING = 0.065
COUNT_FLOOR = 0.85


def _truth(item: HelmetImage) -> tuple[Detections, np.ndarray]:
    heads = Detections(
        np.array([h.box for h in item.heads], np.float32).reshape(-1, 4),
        np.ones(len(item.heads), np.float32),
        np.array([1 if h.helmet else 2 for h in item.heads], np.int64),
        NAMES,
    )
    return heads, np.array([m.box for m in item.motorbikes], np.float32).reshape(-1, 4)


@pytest.fixture(scope="module")
def seen(
    tmp_path_factory: pytest.TempPathFactory,
) -> list[tuple[HelmetImage, Detections, Detections, np.ndarray]]:
    """(photo, labelled heads, found heads, motorbike boxes) for every held-out photo with motorbikes.
    The shipped model: an empty models folder, so that a model trained on this machine (which takes
    precedence there) is not what these figures measure."""
    from core.config import reset_settings
    from detection.models import resolve

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TVP_MODELS_DIR", str(tmp_path_factory.mktemp("models")))
        reset_settings()
        resolve.cache_clear()
        detector = HelmetDetector()
    reset_settings()
    resolve.cache_clear()
    assert detector.detector.model.path.parent.name == "weights"  # detection/weights: the shipped int8
    out = []
    for item in split(read_helmet_dev(helmet_dev()))["held-out"]:
        labelled, bikes = _truth(item)
        if len(bikes):
            found = dedupe_heads(heads_only(detector.heads(load_image(item.image), bikes)))
            out.append((item, labelled, found, bikes))
    return out


def _on_bike(labelled: Detections, bikes: np.ndarray) -> list[int]:
    return sorted(i for group in assign_heads(labelled, bikes) for i in group)


def _best(found: Detections, box: np.ndarray) -> int | None:
    """The found head overlapping the labelled ``box`` most (IoU 0.3 at least)."""
    if not len(found):
        return None
    overlaps = iou(box[None, :], found.xyxy)[0]
    j = int(overlaps.argmax())
    return j if overlaps[j] >= 0.3 else None


def test_heads_on_motorbikes_are_found(seen) -> None:
    hits = total = 0
    for _, labelled, found, bikes in seen:
        for i in _on_bike(labelled, bikes):
            total += 1
            hits += _best(found, labelled.xyxy[i]) is not None
    assert total > 150
    assert hits / total >= FOUND_FLOOR


def test_bare_heads_are_called_bare_and_helmeted_heads_rarely(seen) -> None:
    bare_called = bare = helmet_called_bare = helmeted = 0
    for _, labelled, found, bikes in seen:
        for i in _on_bike(labelled, bikes):
            j = _best(found, labelled.xyxy[i])
            called_bare = j is not None and found.name(j) == "head_no_helmet"
            if labelled.name(i) == "head_no_helmet":
                bare, bare_called = bare + 1, bare_called + called_bare
            else:
                helmeted, helmet_called_bare = helmeted + 1, helmet_called_bare + called_bare
    assert bare >= 30 and helmeted >= 100
    assert bare_called / bare >= BARE_RECALL_FLOOR
    assert helmet_called_bare / helmeted <= FALSE_BARE_CEILING


def test_rider_counts_on_lone_motorbikes(seen) -> None:
    """Photos with one labelled motorbike and every labelled head on it (no unlabelled neighbours)."""
    exact = total = 0
    for _, labelled, found, bikes in seen:
        if len(bikes) != 1 or len(_on_bike(labelled, bikes)) != len(labelled):
            continue
        total += 1
        expected = len(labelled)
        counted = riders_per_motorbike(found[found.confidence >= MIN_CLEAR_CONFIDENCE], bikes)[0].count
        exact += counted == expected
    assert total >= 15
    assert exact / total >= COUNT_FLOOR
