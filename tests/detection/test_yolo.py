"""YOLO decoding and NMS on hand-made network outputs (no model needed)."""

from pathlib import Path

import numpy as np

from detection.models import ResolvedModel
from detection.types import Detections, iou
from detection.yolo import YoloDetector, letterbox


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
    dets = _detector()._decode(out, scale=0.5, pad=(0, 140), shape=(720, 1280, 3))
    assert [dets.name(i) for i in range(len(dets))] == ["car", "motorbike"]
    np.testing.assert_allclose(dets.xyxy[0], [540, 310, 740, 410])  # back to source pixels


def test_agnostic_nms_keeps_one_box_per_object() -> None:
    detector = _detector()
    detector.agnostic = True
    out = _output([(320, 320, 100, 50, 2, 0.9), (322, 321, 100, 50, 3, 0.5)])
    dets = detector._decode(out, scale=1.0, pad=(0, 0), shape=(640, 640, 3))
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
