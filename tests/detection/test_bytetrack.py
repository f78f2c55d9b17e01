"""Our numpy ByteTrack (detection/bytetrack.py): behaviour on made-up boxes, and agreement with
Ultralytics' BYTETracker on real footage (../shared/datasets/vn_real_footage) fed the same detections."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import cv2
import lap
import numpy as np
import pytest

from detection.bytetrack import ByteTrack
from detection.tracking import Tracker
from detection.types import Detections
from tests.support.datasets import real_clip


def box(x: float, y: float = 100.0, w: float = 60.0, h: float = 40.0) -> list[float]:
    return [x, y, x + w, y + h]


def step(tracker: ByteTrack, boxes: list[list[float]], scores: list[float]) -> dict[int, int]:
    """detection index → track id."""
    return dict(tracker.update(np.array(boxes, dtype=float).reshape(-1, 4), np.array(scores)))


def test_a_box_moving_steadily_keeps_its_id() -> None:
    tracker = ByteTrack()
    ids = [step(tracker, [box(10 + 8 * f)], [0.9]) for f in range(40)]
    assert all(len(i) == 1 for i in ids)
    assert {i[0] for i in ids} == {1}


def test_a_gap_shorter_than_the_buffer_keeps_the_id() -> None:
    tracker = ByteTrack(track_buffer=10)
    for f in range(10):
        assert step(tracker, [box(10 + 5 * f)], [0.9]) == {0: 1}
    for _ in range(8):  # unseen for 8 frames: lost, not forgotten
        assert step(tracker, [], []) == {}
    assert step(tracker, [box(10 + 5 * 18)], [0.9]) == {0: 1}  # back where its velocity puts it


def test_a_gap_longer_than_the_buffer_starts_a_new_track() -> None:
    tracker = ByteTrack(track_buffer=3)
    for f in range(5):
        step(tracker, [box(10 + 5 * f)], [0.9])
    for _ in range(6):
        step(tracker, [], [])
    step(tracker, [box(10 + 5 * 11)], [0.9])  # a new track is unconfirmed on its first frame
    assert step(tracker, [box(10 + 5 * 12)], [0.9]) == {0: 2}


def test_two_crossing_boxes_keep_their_ids() -> None:
    tracker = ByteTrack()
    seen: dict[int, set[int]] = {1: set(), 2: set()}
    for f in range(50):  # one goes right, one left, passing through each other around frame 25
        right, left = box(100 + 10 * f, y=100), box(600 - 10 * f, y=110)
        ids = step(tracker, [right, left], [0.9, 0.8])
        assert len(ids) == 2
        seen[1].add(ids[0])
        seen[2].add(ids[1])
    assert seen == {1: {1}, 2: {2}}


def test_low_score_detections_extend_tracks_but_never_start_them() -> None:
    tracker = ByteTrack(high=0.5, low=0.1, new_track=0.6)
    for f in range(5):
        ids = step(tracker, [box(10 + 5 * f), box(400, y=300)], [0.9, 0.3])
        assert ids == {0: 1}  # the weak box starts nothing
    for f in range(5, 15):  # the vehicle's score drops: the second association keeps it
        assert step(tracker, [box(10 + 5 * f)], [0.3]) == {0: 1}
    assert len(tracker.tracked) == 1 and not tracker.lost


def test_a_track_needs_a_second_frame_after_the_first() -> None:
    tracker = ByteTrack()
    assert step(tracker, [box(10)], [0.9]) == {0: 1}  # first frame: confirmed at once
    assert step(tracker, [box(18), box(400, y=300)], [0.9, 0.9]) == {0: 1}  # new, unconfirmed
    assert step(tracker, [box(26), box(404, y=300)], [0.9, 0.9]) == {0: 1, 1: 2}


def test_tracker_keeps_its_contract_and_boxes_as_detected() -> None:
    tracker = Tracker()
    names = ("car",)
    for f in range(3):
        xyxy = np.array([box(10 + 5 * f)], np.float32)
        dets = Detections(xyxy, np.array([0.9], np.float32), np.array([0]), names)
        out = tracker.update(dets)
    assert out.tracker_id is not None and list(out.tracker_id) == [1]
    np.testing.assert_array_equal(out.xyxy, xyxy)  # the detected box, not the buffered or filtered one
    empty = tracker.update(Detections.empty(names))
    assert len(empty) == 0 and empty.tracker_id is not None


# ---- agreement with Ultralytics on real footage -------------------------------------------------

CLIPS = ("hanoi_giang_vo_lang_ha_green_to_red_queue.mp4", "hanoi_ly_thuong_kiet_hang_bai_red_to_green.mp4")
FRAMES = 300  # per clip (640×480 at 6 fps: 50 s of a queue forming and leaving)
# the camera loop's settings at 6 fps (detection/camera.py: scene.confirm_conf, scene.low_conf, VEHICLE_CONF)
HIGH, LOW, NEW_TRACK, BUFFER, MATCH = 0.15, 0.05, 0.3, 7, 0.8


class _Boxes:
    """What Ultralytics' BYTETracker reads: conf, cls, xywh and boolean indexing."""

    def __init__(self, xyxy: np.ndarray, conf: np.ndarray):
        self.xyxy, self.conf, self.cls = xyxy, conf, np.zeros(len(conf), np.float32)
        self.xywh = np.concatenate([(xyxy[:, :2] + xyxy[:, 2:]) / 2, xyxy[:, 2:] - xyxy[:, :2]], axis=1)

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, mask: np.ndarray) -> _Boxes:
        return _Boxes(self.xyxy[mask], self.conf[mask])


def _buffered(xyxy: np.ndarray, by: float = 0.3) -> np.ndarray:
    size = xyxy[:, 2:] - xyxy[:, :2]
    return np.concatenate([xyxy[:, :2] - size * by, xyxy[:, 2:] + size * by], axis=1).astype(np.float32)


def agreement(ours: dict[tuple[int, int], int], theirs: dict[tuple[int, int], int]) -> float:
    """Share of tracked boxes (frame, detection) on which the id partitions agree: our ids are mapped
    one-to-one onto theirs to cover the most boxes; a box counts when both tracked it and the mapped id
    is theirs. Boxes only one tracker tracked count against it."""
    both = ours.keys() & theirs.keys()
    union = ours.keys() | theirs.keys()
    if not union:
        return 1.0
    pairs = Counter((ours[k], theirs[k]) for k in both)
    a = {i: n for n, i in enumerate(sorted({i for i, _ in pairs}))}
    b = {j: n for n, j in enumerate(sorted({j for _, j in pairs}))}
    overlap = np.zeros((max(len(a), 1), max(len(b), 1)))
    for (i, j), n in pairs.items():
        overlap[a[i], b[j]] = n
    _, row_to_col, _ = lap.lapjv(-overlap, extend_cost=True)
    agreed = sum(overlap[r, c] for r, c in enumerate(row_to_col) if c >= 0)
    return float(agreed / len(union))


def test_agreement_measure_counts_id_switches_and_missed_boxes() -> None:
    ours = {(f, 0): 1 for f in range(10)}
    assert agreement(ours, {(f, 0): 7 for f in range(10)}) == 1.0  # ids differ only by name
    assert agreement(ours, {(f, 0): 7 if f < 5 else 8 for f in range(10)}) == 0.5  # a switch
    assert agreement(ours, {(f, 0): 7 for f in range(8)}) == 0.8  # two boxes untracked


@pytest.fixture(scope="module")
def real_detections() -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """Our detector over the first FRAMES frames of each clip, at the camera loop's low threshold."""
    from detection.pipeline import PlatePipeline

    paths = {clip: real_clip(clip) for clip in CLIPS}
    detector = PlatePipeline().vehicles
    found: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for clip, path in paths.items():
        capture = cv2.VideoCapture(str(path))
        frames: list[tuple[np.ndarray, np.ndarray]] = []
        while len(frames) < FRAMES:
            ok, image = capture.read()
            if not ok:
                break
            d = detector.detect_many([image], conf=LOW)[0]
            frames.append((_buffered(d.xyxy), d.confidence.astype(np.float32)))
        capture.release()
        assert len(frames) == FRAMES
        found[clip] = frames
    return found


@pytest.mark.parametrize("clip", CLIPS)
def test_ids_agree_with_ultralytics_on_real_footage(
    clip: str, real_detections: dict[str, list[tuple[np.ndarray, np.ndarray]]]
) -> None:
    from detection.ultralytics_env import ready

    ready()
    from ultralytics.trackers.byte_tracker import BYTETracker

    reference = BYTETracker(
        SimpleNamespace(
            track_high_thresh=HIGH,
            track_low_thresh=LOW,
            new_track_thresh=NEW_TRACK,
            track_buffer=BUFFER,
            match_thresh=MATCH,
            fuse_score=False,
        )
    )
    ours_tracker = ByteTrack(high=HIGH, low=LOW, new_track=NEW_TRACK, track_buffer=BUFFER, match=MATCH)
    ours: dict[tuple[int, int], int] = {}
    theirs: dict[tuple[int, int], int] = {}
    for f, (xyxy, conf) in enumerate(real_detections[clip]):
        for d, t in ours_tracker.update(xyxy, conf):
            ours[(f, d)] = t
        for row in reference.update(_Boxes(xyxy, conf)):
            theirs[(f, int(row[7]))] = int(row[4])
    assert len(theirs) > 3000  # a busy scene: the measure is over thousands of boxes
    share = agreement(ours, theirs)
    print(f"{clip}: {len(ours)} boxes ours, {len(theirs)} Ultralytics', agreement {share:.4f}")
    assert share >= 0.95


def test_the_camera_loop_does_not_load_torch() -> None:
    """Issue 12: torch (≈360 MB) came in with Ultralytics' tracker; the camera loop must not load it."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, numpy as np\n"
        "import detection.camera, detection.pipeline, penalties.runs.cli\n"
        "from detection.tracking import Tracker\n"
        "from detection.types import Detections\n"
        "box, score = np.array([[0, 0, 9, 9]], np.float32), np.array([0.9], np.float32)\n"
        "d = Detections(box, score, np.array([0]), ('car',))\n"
        "assert len(Tracker().update(d)) == 1\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'ultralytics')))\n"
    )
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
