"""Vehicle detection for one camera: the whole frame plus a closer look at the stop-line area, kept to
the camera's detection zones.

Small, dense motorbikes at the stop line score far below a whole-frame threshold (0.06–0.15 on real
Hanoi footage) although they are plain to see when the area is enlarged. So the stop-line band is cut
into tiles that the detector sees magnified, merged with the whole-frame pass by NMS; everything down to
a low score is passed on, and the tracker (two thresholds, ByteTrack) lets only a high score start a track.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from detection.camera_config import CameraConfig, LineKind, ZoneKind
from detection.models import RIDER_CLASSES
from detection.rider_support import RIDER_CONF
from detection.types import Detections
from detection.yolo import YoloDetector

Region = tuple[int, int, int, int]  # x0, y0, x1, y1


@dataclass(frozen=True)
class SceneOptions:
    low_conf: float = 0.05  # detections kept for the tracker's second (low-score) association
    confirm_conf: float = 0.15  # enough to continue or confirm a track (starting one needs VEHICLE_CONF)
    # Stop-line tiles are seen this many times larger (1 = no tiles). Off by default: on the Hanoi clips
    # (640×480, riders 40–60 px) 2× tiles cost 3× the detection time and found no rider the whole frame
    # missed (bench/stopline_recall.py); worth it for far, small vehicles in large frames.
    zoom: float = 1.0
    band_above: float = 0.3  # the band around the stop lines, as fractions of the frame height
    band_below: float = 0.12
    nms_iou: float = 0.5


def stop_line_band(config: CameraConfig, shape: tuple[int, ...], options: SceneOptions) -> Region | None:
    """The region around the stop lines where vehicles must be seen, clipped to the detection zones."""
    h, w = shape[:2]
    points = [p for ln in config.lines if ln.kind is LineKind.stop_line for p in ln.points]
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1 = min(xs) - 0.05 * w, max(xs) + 0.05 * w
    y0, y1 = min(ys) - options.band_above * h, max(ys) + options.band_below * h
    zones = [z.polygon for z in config.zones if z.kind is ZoneKind.detection]
    if zones:
        zx = [p[0] for z in zones for p in z]
        zy = [p[1] for z in zones for p in z]
        x0, y0, x1, y1 = max(x0, min(zx)), max(y0, min(zy)), min(x1, max(zx)), min(y1, max(zy))
    x0, y0, x1, y1 = max(0, int(x0)), max(0, int(y0)), min(w, int(x1)), min(h, int(y1))
    return (x0, y0, x1, y1) if x1 - x0 >= 16 and y1 - y0 >= 16 else None


def tiles(
    region: Region, tile: tuple[int, int], frame: tuple[int, int], overlap: float = 0.25
) -> list[Region]:
    """Tiles of ``tile`` (w, h) covering the region, overlapping by at least ``overlap`` when several; a
    region smaller than a tile grows (within the ``frame`` (w, h)) so that every tile has the same size."""
    x0, y0, x1, y1 = region
    tw, th = min(tile[0], frame[0]), min(tile[1], frame[1])

    def starts(lo: int, hi: int, size: int, limit: int) -> list[int]:
        if hi - lo <= size:
            return [min(max(0, (lo + hi - size) // 2), limit - size)]
        n = int(np.ceil((hi - lo - size) / (size * (1 - overlap)))) + 1
        return [round(lo + i * (hi - lo - size) / (n - 1)) for i in range(n)]

    return [
        (x, y, x + tw, y + th) for y in starts(y0, y1, th, frame[1]) for x in starts(x0, x1, tw, frame[0])
    ]


class ZoneMask:
    """Whether a detection's ground point (bottom centre, as tracks use) lies in a detection zone."""

    def __init__(self, config: CameraConfig):
        self.polygons = [
            np.array(z.polygon, np.float32) for z in config.zones if z.kind is ZoneKind.detection
        ]

    def __bool__(self) -> bool:
        return bool(self.polygons)

    def keep(self, detections: Detections) -> Detections:
        if not self.polygons or not len(detections):
            return detections
        xyxy = detections.xyxy
        anchors = np.stack([(xyxy[:, 0] + xyxy[:, 2]) / 2, xyxy[:, 3]], axis=1)
        inside = [
            any(cv2.pointPolygonTest(poly, (float(x), float(y)), False) >= 0 for poly in self.polygons)
            for x, y in anchors
        ]
        return detections[np.flatnonzero(inside)]

    def image(self, shape: tuple[int, int]) -> np.ndarray:
        """A uint8 mask (255 inside any zone) of the given (h, w), scaled from the frame of ``shape``."""
        mask = np.zeros(shape, np.uint8)
        for poly in self.polygons:
            cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 255)
        return mask


class SceneDetector:
    def __init__(self, config: CameraConfig, detector: YoloDetector, options: SceneOptions | None = None):
        self.config = config
        self.detector = detector
        self.options = options or SceneOptions()
        self.zones = ZoneMask(config)
        self._tiles: dict[tuple[int, ...], list[Region]] = {}
        self.people = _people_view(detector)

    def tiles_for(self, shape: tuple[int, ...]) -> list[Region]:
        key = tuple(shape[:2])
        if key not in self._tiles:
            band = stop_line_band(self.config, shape, self.options)
            zoom = self.options.zoom
            if band is None or zoom <= 1:
                self._tiles[key] = []
            else:
                h, w = shape[:2]
                side = self.detector.imgsz / zoom
                # the tile keeps the frame's aspect, so the letterboxed input is the same shape as a frame's
                size = (round(side * min(1, w / h)), round(side * min(1, h / w)))
                self._tiles[key] = tiles(band, size, (w, h))
        return self._tiles[key]

    def detect(self, image: np.ndarray) -> Detections:
        return self.detect_with_riders(image)[0]

    def detect_with_riders(self, image: np.ndarray) -> tuple[Detections, Detections]:
        """The vehicles in the detection zones, and the people in the whole frame (riders, from the
        same model run; none when the vehicle model sees no people)."""
        regions = self.tiles_for(image.shape)
        crops = [image[y0:y1, x0:x1] for x0, y0, x1, y1 in regions]
        people = Detections.empty(("person",))
        if self.people is None:
            found = self.detector.detect_many([image, *crops], conf=self.options.low_conf)
        else:
            raws = self.detector.run([image, *crops])
            found = [self.detector.decode(raw, self.options.low_conf) for raw in raws]
            people = self.people.decode(raws[0])
        parts = [found[0]]
        h, w = image.shape[:2]
        for region, part in zip(regions, found[1:], strict=True):
            parts.append(_from_tile(part, region, (w, h)))
        merged = _nms(Detections.merge(parts, found[0].class_names), self.options.nms_iou)
        return self.zones.keep(merged), people


def _people_view(detector: YoloDetector) -> YoloDetector | None:
    """The vehicle model's people (riders) as a detector of its own, decoded from the same run; None
    when the model sees no people (or for stand-in detectors in tests, which find vehicles only)."""
    if not isinstance(detector, YoloDetector) or detector.model.name not in RIDER_CLASSES:
        return None
    classes = RIDER_CLASSES[detector.model.name]
    return YoloDetector(detector.model, conf=RIDER_CONF, imgsz=detector.imgsz, classes=classes)


def _from_tile(part: Detections, region: Region, size: tuple[int, int]) -> Detections:
    """Tile detections in frame coordinates, without the boxes cut by a tile edge inside the frame
    (another tile or the whole-frame pass sees those vehicles whole)."""
    if not len(part):
        return part
    x0, y0, x1, y1 = region
    xyxy = part.xyxy + np.array([x0, y0, x0, y0], np.float32)
    margin = 2
    cut = (
        ((xyxy[:, 0] <= x0 + margin) & (x0 > 0))
        | ((xyxy[:, 1] <= y0 + margin) & (y0 > 0))
        | ((xyxy[:, 2] >= x1 - margin) & (x1 < size[0]))
        | ((xyxy[:, 3] >= y1 - margin) & (y1 < size[1]))
    )
    keep = np.flatnonzero(~cut)
    out = part[keep]
    out.xyxy = xyxy[keep]
    return out


def _nms(detections: Detections, iou: float) -> Detections:
    if len(detections) < 2:
        return detections
    xyxy = detections.xyxy
    xywh = np.concatenate([xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]], axis=1)
    kept = np.array(
        cv2.dnn.NMSBoxes(xywh.tolist(), detections.confidence.tolist(), 0.0, iou), np.int64
    ).reshape(-1)
    return detections[kept[np.argsort(-detections.confidence[kept])]]
