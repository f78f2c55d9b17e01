"""YOLOv8 detection on onnxruntime: letterbox, one session run per batch, decode, class-aware NMS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import cv2
import numpy as np

from core.onnx import ort_session
from detection.models import ResolvedModel
from detection.types import Detections

STRIDE = 32


def letterbox(
    image: np.ndarray, size: int, *, rect: bool = False
) -> tuple[np.ndarray, float, tuple[int, int]]:
    """Scale the longer side to ``size`` and pad: to a square, or with ``rect`` only up to the next
    multiple of the stride (a 16:9 frame becomes 640×384, 40 % less work than 640×640)."""
    h, w = image.shape[:2]
    scale = min(size / h, size / w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    ch, cw = (-(-nh // STRIDE) * STRIDE, -(-nw // STRIDE) * STRIDE) if rect else (size, size)
    canvas = np.full((ch, cw, 3), 114, np.uint8)
    top, left = (ch - nh) // 2, (cw - nw) // 2
    canvas[top : top + nh, left : left + nw] = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    return canvas, scale, (left, top)


@dataclass(frozen=True)
class Tile:
    """Where one image sits in a packed canvas: its scale, its top-left corner, its columns."""

    scale: float
    pad: tuple[int, int]
    columns: tuple[int, int]  # [start, end) in the canvas


def pack_side_by_side(
    images: Sequence[np.ndarray], size: int, gap: int = STRIDE
) -> tuple[np.ndarray, list[Tile]]:
    """The images in one canvas, left to right, each scaled exactly as ``letterbox(image, size)`` would
    (longer side to ``size``) with ``gap`` grey columns between them: one run of a fully convolutional
    detector on tall narrow crops costs the area they fill, not a padded square each. The canvas is as
    tall as the tallest and padded to the stride; the slack goes to both ends."""
    scaled = []
    for image in images:
        h, w = image.shape[:2]
        scale = min(size / h, size / w)
        scaled.append((scale, max(1, round(h * scale)), max(1, round(w * scale))))
    ch = -(-max(nh for _, nh, _ in scaled) // STRIDE) * STRIDE
    used = sum(nw for _, _, nw in scaled) + gap * (len(scaled) - 1)
    cw = -(-used // STRIDE) * STRIDE
    canvas = np.full((ch, cw, 3), 114, np.uint8)
    tiles, left = [], (cw - used) // 2
    for image, (scale, nh, nw) in zip(images, scaled, strict=True):
        top = (ch - nh) // 2
        canvas[top : top + nh, left : left + nw] = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
        tiles.append(Tile(scale, (left, top), (left, left + nw)))
        left += nw + gap
    return canvas, tiles


def tile_output(out: np.ndarray, tile: Tile) -> np.ndarray:
    """The predictions (a YOLOv8 output, 4 + classes by anchors) centred in the tile's columns."""
    cx = out[0]
    return out[:, (cx >= tile.columns[0]) & (cx < tile.columns[1])]


@lru_cache(maxsize=8)
def _shared_session(path: Path, sha256: str, threads: int | None):  # type: ignore[no-untyped-def]
    """One onnxruntime session per model file (and content: a re-made file gets a new one), shared by
    the detectors that use it."""
    return ort_session(path, threads)


def _to_input(canvas: np.ndarray) -> np.ndarray:
    """BGR HWC uint8 → RGB CHW float32 in 0..1 (cvtColor first: a reversed-stride view is slow to convert)."""
    chw = cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB).transpose(2, 0, 1).astype(np.float32)
    chw *= 1 / 255.0
    return chw


@dataclass(frozen=True)
class RawOutput:
    out: np.ndarray  # (4 + classes, anchors)
    scale: float
    pad: tuple[int, int]
    shape: tuple[int, ...]  # the image's (h, w)


class YoloDetector:
    def __init__(
        self,
        model: ResolvedModel,
        *,
        conf: float = 0.25,
        iou: float = 0.45,
        threads: int | None = None,
        agnostic: bool = False,
        imgsz: int = 640,
        rect: bool = True,
        classes: Mapping[int, str] | None = None,
    ):
        """``agnostic``: one box per object whatever its class (a vehicle is a car *or* a truck).
        ``imgsz``: the longer input side; ``rect``: keep each image's aspect (one run per image)
        instead of square batches — when the model's input shape is free. ``classes``: the model's
        classes this detector reports (default: the model's own list)."""
        self.model = model
        self.imgsz = imgsz
        self.rect = rect
        self.agnostic = agnostic
        self.conf = conf
        self.iou = iou
        self.threads = threads
        classes = model.classes if classes is None else classes
        self.class_ids = sorted(classes)
        self.names = tuple(classes[i] for i in self.class_ids)

    @property
    def session(self):  # type: ignore[no-untyped-def]
        return _shared_session(self.model.path, self.model.sha256, self.threads)

    @cached_property
    def fixed_size(self) -> int | None:
        """The input side of a fixed-shape model (it takes only square inputs of that size)."""
        shape = self.session.get_inputs()[0].shape
        return int(shape[2]) if isinstance(shape[2], int) else None

    @cached_property
    def batch_size(self) -> int | None:
        dim = self.session.get_inputs()[0].shape[0]
        return dim if isinstance(dim, int) else None

    def detect(self, image: np.ndarray) -> Detections:
        return self.detect_many([image])[0]

    def detect_many(self, images: Sequence[np.ndarray], *, conf: float | None = None) -> list[Detections]:
        """``conf``: this call's score threshold instead of the detector's."""
        return [self.decode(raw, conf) for raw in self.run(images)]

    def run(self, images: Sequence[np.ndarray]) -> list[RawOutput]:
        """The model's raw output per image, for ``decode`` by this detector or by another view of the
        same model with other classes (one run, two readings)."""
        rect = self.rect and self.fixed_size is None
        prepared = [letterbox(img, self.fixed_size or self.imgsz, rect=rect) for img in images]
        step = 1 if rect else self.batch_size or len(prepared) or 1
        outputs: list[np.ndarray] = []
        name = self.session.get_inputs()[0].name
        for start in range(0, len(prepared), step):
            chunk = prepared[start : start + step]
            blob = np.stack([_to_input(c[0]) for c in chunk])
            outputs.extend(self.session.run(None, {name: blob})[0])
        return [
            RawOutput(out, scale, pad, img.shape[:2])
            for out, (_, scale, pad), img in zip(outputs, prepared, images, strict=True)
        ]

    def decode(self, raw: RawOutput, threshold: float | None = None) -> Detections:
        """This detector's classes in one raw output, above ``threshold`` (default: the detector's)."""
        out, scale, pad, shape = raw.out, raw.scale, raw.pad, raw.shape
        threshold = self.conf if threshold is None else threshold
        preds = out.T  # (anchors, 4 + classes)
        scores = preds[:, 4:][:, self.class_ids]
        best = scores.argmax(axis=1)
        conf = scores[np.arange(len(scores)), best]
        keep = conf >= threshold
        if not keep.any():
            return Detections.empty(self.names)
        boxes, conf, best = preds[keep, :4], conf[keep], best[keep]
        xyxy = np.empty_like(boxes)
        xyxy[:, 0] = (boxes[:, 0] - boxes[:, 2] / 2 - pad[0]) / scale
        xyxy[:, 1] = (boxes[:, 1] - boxes[:, 3] / 2 - pad[1]) / scale
        xyxy[:, 2] = (boxes[:, 0] + boxes[:, 2] / 2 - pad[0]) / scale
        xyxy[:, 3] = (boxes[:, 1] + boxes[:, 3] / 2 - pad[1]) / scale
        h, w = shape[:2]
        xyxy[:, [0, 2]] = xyxy[:, [0, 2]].clip(0, w)
        xyxy[:, [1, 3]] = xyxy[:, [1, 3]].clip(0, h)
        # Class-aware NMS offsets boxes per class so that different classes never suppress each other.
        offset = (
            np.zeros((len(best), 1), np.float32)
            if self.agnostic
            else best[:, None].astype(np.float32) * 10_000
        )
        xywh = np.concatenate([xyxy[:, :2] + offset, xyxy[:, 2:] - xyxy[:, :2]], axis=1)
        kept = np.array(cv2.dnn.NMSBoxes(xywh.tolist(), conf.tolist(), threshold, self.iou), np.int64)
        kept = kept.reshape(-1)
        order = kept[np.argsort(-conf[kept])]
        return Detections(
            xyxy[order].astype(np.float32),
            conf[order].astype(np.float32),
            best[order].astype(np.int64),
            self.names,
        )
