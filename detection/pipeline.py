"""One frame → vehicles → plates → plate reads, with the provenance of every model used."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.config import get_settings
from detection.models import plate_detector_name, resolve
from detection.types import Detections
from detection.vehicles import VehicleClass
from detection.yolo import YoloDetector
from ocr.reader import PlateRead, PlateReader, PPOCRPlateReader

VEHICLE_CONF = 0.3
PLATE_CONF = 0.25
CROP_IMGSZ = 320
MIN_VEHICLE_WIDTH = 80  # px in the source frame


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


def expand_box(box: np.ndarray, shape: tuple[int, ...], fx: float, fy: float) -> np.ndarray:
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    return np.array(
        [max(0, x1 - w * fx), max(0, y1 - h * fy), min(shape[1], x2 + w * fx), min(shape[0], y2 + h * fy)]
    )


class PlatePipeline:
    """Vehicle detection, plate detection inside each vehicle (whole frame when none), plate reading."""

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
            "ocr": {"name": "PP-OCRv4 rec (rapidocr-onnxruntime)", "reader": type(self.reader).__name__},
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
        """Plates of the given vehicles (each vehicle's best plate); the whole frame when none is found."""
        found: list[tuple[np.ndarray, float, int | None]] = []
        # Vehicles too small to carry a readable plate are left for later frames (they come closer).
        near = [i for i, b in enumerate(vehicles.xyxy) if b[2] - b[0] >= MIN_VEHICLE_WIDTH]
        if near:
            crops, origins = [], []
            for i in near:
                x1, y1, x2, y2 = expand_box(vehicles.xyxy[i], frame.shape, 0.05, 0.05).astype(int)
                crops.append(frame[y1:y2, x1:x2])
                origins.append((x1, y1))
            for v, dets, (ox, oy) in zip(near, self.plates_crop.detect_many(crops), origins, strict=True):
                if len(dets):  # the best plate of each vehicle
                    found.append((dets.xyxy[0] + np.array([ox, oy, ox, oy]), float(dets.confidence[0]), v))
        if not found and full_frame_fallback:
            full = self.plates_full.detect(frame)
            for box, conf in zip(full.xyxy, full.confidence, strict=True):
                found.append((box, float(conf), _owner(box, vehicles)))
        crops = []
        for box, _, _ in found:
            x1, y1, x2, y2 = expand_box(box, frame.shape, 0.04, 0.08).astype(int)
            crops.append(frame[y1:y2, x1:x2])
        reads = self.reader.read_many(crops)
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


def _owner(box: np.ndarray, vehicles: Detections) -> int | None:
    """The vehicle whose box contains the plate's centre."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    for i, (x1, y1, x2, y2) in enumerate(vehicles.xyxy):
        if x1 <= cx <= x2 and y1 <= cy <= y2:
            return i
    return None
