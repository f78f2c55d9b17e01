"""One frame → vehicles → plates → plate reads, with the provenance of every model used."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from core.config import get_settings
from detection.models import plate_detector_name, resolve
from detection.types import Detections
from detection.vehicles import VehicleClass
from detection.yolo import YoloDetector
from ocr.reader import PlateRead, PlateReader, PPOCRPlateReader
from ocr.vote import agreed_read

VEHICLE_CONF = 0.3
PLATE_CONF = 0.25
# Whole-frame boxes scored between these are kept only when they read as a sure plate (a small plate
# in a dense motorbike frame scores 0.1-0.2; junk rarely reads as a valid plate this confidently)
WEAK_PLATE_CONF = 0.1
WEAK_READ_CONF = 0.9
CROP_IMGSZ = 320
MIN_VEHICLE_WIDTH = 80  # px in the source frame
FRAME_BORDER = 1.0  # of the photo's size on each side (the plate then fills a third of it)


@dataclass(frozen=True)
class PlateFound:
    box: tuple[int, int, int, int]
    detector_conf: float
    read: PlateRead | None
    vehicle_class: VehicleClass | None = None
    vehicle_box: tuple[int, int, int, int] | None = None
    track_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        base = (
            self.read.as_dict()
            if self.read
            else {"text": None, "compact": None, "confidence": 0.0, "lines": None}
        )
        vehicle = (
            None
            if self.vehicle_class is None
            else {"class": self.vehicle_class, "box": list(self.vehicle_box or ())}
        )
        return {
            **base,
            "box": list(self.box),
            "detector_confidence": round(self.detector_conf, 4),
            "vehicle": vehicle,
        }


@dataclass
class FrameResult:
    plates: list[PlateFound]
    vehicles: Detections
    provenance: dict[str, Any] = field(default_factory=dict)


def _box(xyxy: np.ndarray) -> tuple[int, int, int, int]:
    x1, y1, x2, y2 = (round(float(v)) for v in xyxy)
    return x1, y1, x2, y2


def _recognizer_provenance(reader: PlateReader) -> dict[str, str]:
    recognizer = getattr(reader, "recognizer", None)
    if recognizer is None:
        return {"name": "PP-OCRv4 rec (rapidocr-onnxruntime)"}
    return dict(recognizer.provenance)


def expand_box(box: np.ndarray, shape: tuple[int, ...], fx: float, fy: float) -> np.ndarray:
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    return np.array(
        [max(0, x1 - w * fx), max(0, y1 - h * fy), min(shape[1], x2 + w * fx), min(shape[0], y2 + h * fy)]
    )


class PlatePipeline:
    """Vehicle detection, plate detection inside each vehicle and in the whole frame, plate reading."""

    def __init__(
        self,
        reader: PlateReader | None = None,
        *,
        vehicle_model: str = "coco-yolov8n",
        plate_model: str | None = None,
    ):
        plate_name = plate_model or plate_detector_name()
        self.vehicles = YoloDetector(
            resolve(vehicle_model), conf=VEHICLE_CONF, agnostic=True, imgsz=get_settings().vehicle_imgsz
        )
        self.plates_full = YoloDetector(resolve(plate_name), conf=PLATE_CONF)
        self.plates_crop = YoloDetector(self.plates_full.model, conf=PLATE_CONF, imgsz=CROP_IMGSZ, rect=False)
        self.reader = reader or PPOCRPlateReader()
        self.provenance = {
            "vehicle_detector": self.vehicles.model.provenance,
            "plate_detector": self.plates_full.model.provenance,
            "ocr": {**_recognizer_provenance(self.reader), "reader": type(self.reader).__name__},
        }

    def process(self, frame: np.ndarray) -> FrameResult:
        vehicles = self.vehicles.detect(frame)
        return FrameResult(self.plates_for(frame, vehicles), vehicles, self.provenance)

    def plates_for(
        self,
        frame: np.ndarray,
        vehicles: Detections,
        *,
        full_frame_fallback: bool = True,
        crops_out: list[np.ndarray] | None = None,
    ) -> list[PlateFound]:
        """Every plate of the given vehicles, plus (``full_frame_fallback``) the whole-frame detector's
        plates that no vehicle box gave (parked vehicles the vehicle detector missed, a plate
        outside its vehicle's box); duplicates merged. Camera frames pass ``full_frame_fallback=False``:
        their untracked plates would have no vehicle to belong to, and each tracked vehicle votes on
        one plate, its most confident (a neighbour's plate inside its box would split the vote)."""
        found: list[tuple[np.ndarray, float, int | None]] = []
        weak: list[tuple[np.ndarray, float, int | None]] = []
        framed = False
        # Vehicles too small to carry a readable plate are left for later frames (they come closer).
        near = [i for i, b in enumerate(vehicles.xyxy) if b[2] - b[0] >= MIN_VEHICLE_WIDTH]
        if near:
            crops, origins = [], []
            for i in near:
                x1, y1, x2, y2 = expand_box(vehicles.xyxy[i], frame.shape, 0.05, 0.05).astype(int)
                crops.append(frame[y1:y2, x1:x2])
                origins.append((x1, y1))
            for v, dets, (ox, oy) in zip(near, self.plates_crop.detect_many(crops), origins, strict=True):
                offset = np.array([ox, oy, ox, oy])
                found.extend(
                    (box + offset, float(conf), v)
                    for box, conf in zip(dets.xyxy, dets.confidence, strict=True)
                )
        if full_frame_fallback:
            full = self.plates_full.detect_many([frame], conf=WEAK_PLATE_CONF)[0]
            for box, conf in zip(full.xyxy, full.confidence, strict=True):
                (found if conf >= PLATE_CONF else weak).append((box, float(conf), _owner(box, vehicles)))
            framed = not found
            if not found:
                found = self._framed_plates(frame)
        found = _merge_duplicates(found)
        if not full_frame_fallback:
            found = _best_per_vehicle(found)
        strong = len(found)
        found += [
            w for w in _merge_duplicates(weak) if all(_overlap(w[0], f[0]) < 0.5 for f in found[:strong])
        ]
        crops, reads = read_boxes(self.reader, frame, [box for box, _, _ in found])
        sure = [
            i
            for i, read in enumerate(reads)
            if i < strong or (read is not None and read.confidence >= WEAK_READ_CONF)
        ]
        found, crops, reads = [found[i] for i in sure], [crops[i] for i in sure], [reads[i] for i in sure]
        if full_frame_fallback and not framed and not any(reads):
            # Boxes round parts of a close-up (its rows, its rim) read nothing: a close-up, framed
            extra = self._framed_plates(frame)
            extra_crops, extra_reads = read_boxes(self.reader, frame, [box for box, _, _ in extra])
            keep = [k for k, read in enumerate(extra_reads) if read is not None]
            found += [extra[k] for k in keep]
            crops += [extra_crops[k] for k in keep]
            reads += [extra_reads[k] for k in keep]
        if crops_out is not None:
            crops_out.extend(crops)
        return [
            PlateFound(
                _box(box),
                conf,
                read,
                None if v is None else VehicleClass(vehicles.name(v)),
                None if v is None else _box(vehicles.xyxy[v]),
                None if v is None or vehicles.tracker_id is None else int(vehicles.tracker_id[v]),
            )
            for (box, conf, v), read in zip(found, reads, strict=True)
        ]

    def _framed_plates(self, frame: np.ndarray) -> list[tuple[np.ndarray, float, int | None]]:
        """A close-up whose plate fills the photo has no surroundings for the detector to see a plate
        in; the photo framed by a plain border gives it some."""
        h, w = frame.shape[:2]
        px, py = round(w * FRAME_BORDER), round(h * FRAME_BORDER)
        framed = cv2.copyMakeBorder(frame, py, py, px, px, cv2.BORDER_CONSTANT, value=(128, 128, 128))
        dets = self.plates_full.detect(framed)
        shift = np.array([px, py, px, py], np.float32)
        limit = np.array([w, h, w, h], np.float32)
        return [
            (np.clip(box - shift, 0, limit), float(conf), None)
            for box, conf in zip(dets.xyxy, dets.confidence, strict=True)
        ]


def read_boxes(
    reader: PlateReader, frame: np.ndarray, boxes: list[np.ndarray]
) -> tuple[list[np.ndarray], list[PlateRead | None]]:
    """Each plate box cropped with each of the reader's margins, and per box the read its crops agree
    on; returns the first margin's crops too. Each margin's crops are read in a call of their own: the
    recogniser batches lines of similar width, and mixing margins in one batch changes the padding."""
    looks = [[_crop(frame, box, mx, my) for box in boxes] for mx, my in reader.crop_margins]
    reads_each = [reader.read_many(crops) for crops in looks]
    return looks[0], [agreed_read(list(reads)) for reads in zip(*reads_each, strict=True)]


def _crop(frame: np.ndarray, box: np.ndarray, mx: float, my: float) -> np.ndarray:
    x1, y1, x2, y2 = expand_box(box, frame.shape, mx, my).astype(int)
    return frame[y1:y2, x1:x2]


def _merge_duplicates(
    found: list[tuple[np.ndarray, float, int | None]], overlap: float = 0.5
) -> list[tuple[np.ndarray, float, int | None]]:
    """One entry per plate: the same plate seen in two overlapping vehicle boxes, or in a vehicle box
    and the whole frame, keeps its most confident detection (and a vehicle when either had one)."""
    kept: list[tuple[np.ndarray, float, int | None]] = []
    for box, conf, v in sorted(found, key=lambda f: (f[2] is None, -f[1])):
        twin = next((k for k, (kb, _, _) in enumerate(kept) if _overlap(box, kb) >= overlap), None)
        if twin is None:
            kept.append((box, conf, v))
        elif conf > kept[twin][1]:
            kept[twin] = (box, conf, kept[twin][2])
    return kept


def _best_per_vehicle(
    found: list[tuple[np.ndarray, float, int | None]],
) -> list[tuple[np.ndarray, float, int | None]]:
    best: dict[int | None, tuple[np.ndarray, float, int | None]] = {}
    for item in found:
        if item[2] not in best or item[1] > best[item[2]][1]:
            best[item[2]] = item
    return list(best.values())


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over the smaller box (a loose whole-frame box around a tight one is the same plate)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return float(w * h / max(smaller, 1e-9))


def _owner(box: np.ndarray, vehicles: Detections) -> int | None:
    """The vehicle whose box contains the plate's centre."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    for i, (x1, y1, x2, y2) in enumerate(vehicles.xyxy):
        if x1 <= cx <= x2 and y1 <= cy <= y2:
            return i
    return None


_shared_lock = threading.Lock()
_shared: PlatePipeline | None = None


def shared_pipeline() -> PlatePipeline:
    """The process's one model set, shared by every footage job and camera it runs (on a worker, one
    per thread would multiply the memory by the threads). Safe to share: the onnxruntime sessions are
    thread-safe for run(), and a PlatePipeline keeps no per-frame state (trackers live in each
    CameraProcessor). Built and warmed up under a lock, so two threads starting at once load one set
    (the lazily opened OCR sessions would otherwise be opened twice)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            pipeline = PlatePipeline()
            warmup = getattr(pipeline.reader, "warmup", None)
            if warmup is not None:
                warmup()
            pipeline.vehicles.detect(np.zeros((64, 64, 3), np.uint8))
            _shared = pipeline
        return _shared
