"""YOLO decoding and NMS on hand-made network outputs (no model needed)."""

from pathlib import Path

import numpy as np

from detection.models import ResolvedModel
from detection.types import Detections, iou
from detection.yolo import RawOutput, YoloDetector, letterbox, pack_side_by_side, tile_output


def _detector() -> YoloDetector:
    model = ResolvedModel("t", Path("x.onnx"), "0" * 64, Path("x.onnx"), {2: "car", 3: "motorbike"}, 640)
    return YoloDetector(model, conf=0.3, iou=0.5)


def _output(rows: list[tuple[float, float, float, float, int, float]], classes: int = 80) -> np.ndarray:
    out = np.zeros((4 + classes, len(rows)), np.float32)
    for j, (cx, cy, w, h, cls, score) in enumerate(rows):
        out[:4, j] = (cx, cy, w, h)
        out[4 + cls, j] = score
    return out


def test_decode_keeps_vehicle_classes_and_suppresses_duplicates() -> None:
    out = _output(
        [
            (320, 320, 100, 50, 2, 0.9),  # car
            (322, 321, 100, 50, 2, 0.6),  # the same car again: suppressed
            (322, 321, 100, 50, 3, 0.5),  # a motorbike overlapping it: another class, kept
            (100, 100, 20, 20, 0, 0.99),  # a person: not a vehicle class
            (500, 500, 40, 40, 2, 0.2),  # below the confidence threshold
        ]
    )
    dets = _detector().decode(RawOutput(out, 0.5, (0, 140), (720, 1280, 3)))
    assert [dets.name(i) for i in range(len(dets))] == ["car", "motorbike"]
    np.testing.assert_allclose(dets.xyxy[0], [540, 310, 740, 410])  # back to source pixels


def test_a_class_view_reads_its_own_classes_from_the_same_output() -> None:
    """One model run, two readings: the vehicles, and the people (riders) of the same output."""
    vehicles = _detector()
    people = YoloDetector(vehicles.model, conf=0.3, classes={0: "person"})
    out = RawOutput(
        _output([(320, 320, 100, 50, 2, 0.9), (100, 100, 20, 40, 0, 0.8)]), 1.0, (0, 0), (640, 640)
    )
    assert [vehicles.decode(out).name(0), people.decode(out).name(0)] == ["car", "person"]
    assert len(vehicles.decode(out)) == len(people.decode(out)) == 1
    np.testing.assert_allclose(people.decode(out).xyxy[0], [90, 80, 110, 120])


def test_agnostic_nms_keeps_one_box_per_object() -> None:
    detector = _detector()
    detector.agnostic = True
    out = _output([(320, 320, 100, 50, 2, 0.9), (322, 321, 100, 50, 3, 0.5)])
    dets = detector.decode(RawOutput(out, 1.0, (0, 0), (640, 640, 3)))
    assert [dets.name(i) for i in range(len(dets))] == ["car"]


def test_letterbox_keeps_aspect() -> None:
    img = np.zeros((1080, 1920, 3), np.uint8)
    canvas, scale, pad = letterbox(img, 640)
    assert canvas.shape == (640, 640, 3) and scale == 1 / 3 and pad == (0, 140)


def test_rect_letterbox_pads_only_to_the_stride() -> None:
    canvas, scale, pad = letterbox(np.zeros((1080, 1920, 3), np.uint8), 640, rect=True)
    assert canvas.shape == (384, 640, 3) and scale == 1 / 3 and pad == (0, 12)
    canvas, scale, pad = letterbox(np.zeros((600, 450, 3), np.uint8), 320, rect=True)
    assert canvas.shape == (320, 256, 3) and pad == (8, 0)  # 240 wide → 256, centred


def test_iou_and_detections_indexing() -> None:
    a = np.array([[0, 0, 10, 10]], np.float32)
    b = np.array([[0, 0, 10, 10], [5, 5, 15, 15], [20, 20, 30, 30]], np.float32)
    np.testing.assert_allclose(iou(a, b)[0], [1.0, 25 / 175, 0.0], rtol=1e-5)
    dets = Detections(b, np.array([0.9, 0.8, 0.7], np.float32), np.array([0, 1, 0]), ("car", "bus"))
    assert len(dets[np.array([True, False, True])]) == 2 and dets.name(1) == "bus"


def test_packed_images_sit_side_by_side_at_their_letterbox_scale() -> None:
    tall = np.full((200, 80, 3), 10, np.uint8)  # a motorbike's rider crop: tall and narrow
    wide = np.full((60, 120, 3), 250, np.uint8)
    canvas, tiles = pack_side_by_side([tall, wide], 320, gap=32)
    # Each image scaled exactly as letterbox would scale it on its own: longer side to 320.
    assert [t.scale for t in tiles] == [letterbox(tall, 320)[1], letterbox(wide, 320)[1]] == [1.6, 320 / 120]
    # 128 + 32 + 320 = 480 columns (a multiple of the stride: no slack), as tall as the tallest.
    assert canvas.shape == (320, 480, 3)
    assert [t.columns for t in tiles] == [(0, 128), (160, 480)]
    assert tiles[1].pad == (160, 80)  # the wide one, 160 rows tall, centred vertically
    assert (canvas[:, :128] == 10).all() and (canvas[:, 128:160] == 114).all()
    assert (canvas[80:240, 160:] == 250).all() and (canvas[:80, 160:] == 114).all()


def test_a_packed_tile_decodes_to_its_own_image() -> None:
    _, tiles = pack_side_by_side([np.zeros((200, 80, 3), np.uint8), np.zeros((200, 100, 3), np.uint8)], 320)
    # One box in each tile: (centre x, centre y, w, h) in canvas pixels.
    out = _output([(64, 160, 32, 32, 3, 0.9), (260, 100, 48, 16, 2, 0.8)])
    first = _detector().decode(RawOutput(tile_output(out, tiles[0]), tiles[0].scale, tiles[0].pad, (200, 80)))
    second = _detector().decode(
        RawOutput(tile_output(out, tiles[1]), tiles[1].scale, tiles[1].pad, (200, 100))
    )
    assert [first.name(0), second.name(0)] == ["motorbike", "car"] and len(first) == len(second) == 1
    np.testing.assert_allclose(first.xyxy[0], [30, 90, 50, 110])  # (48..80, 144..176) / 1.6
    left = tiles[1].pad[0]
    np.testing.assert_allclose(second.xyxy[0], np.array([236 - left, 92, 284 - left, 108]) / 1.6)
