"""Drawing a camera's configuration over one of its frames, so a person can check it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from detection.camera_config import CameraConfig, LineKind, ZoneKind

LABEL_FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
]
RED, YELLOW, GREEN, BLUE, CYAN, WHITE = (
    (40, 40, 230),
    (0, 215, 255),
    (60, 200, 60),
    (230, 120, 40),
    (230, 220, 0),
    (255, 255, 255),
)


def _pts(points: list[tuple[float, float]]) -> np.ndarray:
    return np.array([[round(x), round(y)] for x, y in points], np.int32)


Label = tuple[str, tuple[int, int], tuple[int, int, int]]


def _draw_labels(img: np.ndarray, labels: list[Label]) -> np.ndarray:
    """Text with PIL (OpenCV's fonts have no Vietnamese letters), outlined so it reads on any frame."""
    font_path = next((f for f in LABEL_FONTS if Path(f).exists()), None)
    font = ImageFont.truetype(font_path, 22) if font_path else ImageFont.load_default()
    canvas = Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    draw = ImageDraw.Draw(canvas)
    for text, (x, y), (b, g, r) in labels:
        draw.text((x + 4, y - 28), text, font=font, fill=(r, g, b), stroke_width=3, stroke_fill=(0, 0, 0))
    return cv2.cvtColor(np.array(canvas), cv2.COLOR_RGB2BGR)


def draw_camera_overlay(config: CameraConfig, frame: np.ndarray | None = None) -> np.ndarray:
    """A copy of ``frame`` (or a grey canvas) with zones, lanes, lines, the light and calibration drawn."""
    width, height = config.camera.resolution
    base = np.full((height, width, 3), 90, np.uint8) if frame is None else cv2.resize(frame, (width, height))
    img = base.copy()
    labels: list[Label] = []
    shade = img.copy()
    for zone in config.zones:
        colour = RED if zone.kind is ZoneKind.no_stopping else GREEN
        cv2.fillPoly(shade, [_pts(zone.polygon)], colour)
    img = cv2.addWeighted(shade, 0.25, img, 0.75, 0)
    for zone in config.zones:
        poly = _pts(zone.polygon)
        colour = RED if zone.kind is ZoneKind.no_stopping else GREEN
        cv2.polylines(img, [poly], True, colour, 2, cv2.LINE_AA)
        extra = f" ({zone.dwell_limit_s:g} s)" if zone.dwell_limit_s else ""
        labels.append((f"{zone.name}{extra}", (int(poly[:, 0].min()), int(poly[:, 1].min()) + 30), colour))
    for lane in config.lanes:
        poly = _pts(lane.polygon)
        cv2.polylines(img, [poly], True, BLUE, 2, cv2.LINE_AA)
        cx, cy = poly.mean(axis=0)
        dx, dy = lane.direction
        norm = max(1e-6, (dx * dx + dy * dy) ** 0.5)
        tip = (round(cx + 60 * dx / norm), round(cy + 60 * dy / norm))
        cv2.arrowedLine(img, (round(cx), round(cy)), tip, BLUE, 3, cv2.LINE_AA, tipLength=0.3)
        labels.append((f"{lane.name}: {', '.join(lane.allowed_classes)}", (round(cx), round(cy)), BLUE))
    for line in config.lines:
        colour, thickness = {LineKind.stop_line: (RED, 4), LineKind.junction_entry: (CYAN, 2)}.get(
            line.kind, (YELLOW, 3)
        )
        pts = _pts(line.points)
        cv2.polylines(img, [pts], False, colour, thickness, cv2.LINE_AA)
        labels.append((line.name, (int(pts[0][0]), int(pts[0][1])), colour))
    for head in config.traffic_light.signal_heads() if config.traffic_light else []:
        x1, y1, x2, y2 = head.box
        cv2.rectangle(img, (x1, y1), (x2, y2), CYAN, 1)
        for lamp in head.lamps:
            cv2.circle(img, (round(lamp.centre[0]), round(lamp.centre[1])), round(lamp.radius), WHITE, 1)
        labels.append((f"{head.name}: {', '.join(head.controls)}", (x1, y1), CYAN))
    if config.calibration:
        for i, ((x, y), (mx, my)) in enumerate(
            zip(config.calibration.image_points, config.calibration.road_points_m, strict=True), start=1
        ):
            cv2.circle(img, (round(x), round(y)), 6, WHITE, -1)
            labels.append((f"P{i} ({mx:g} m, {my:g} m)", (round(x), round(y)), WHITE))
    loc = config.camera.location
    title = f"{config.camera.id} v{config.camera.version} — {loc.name} — {loc.speed_limit_kmh} km/h"
    labels.append((title, (10, 40), WHITE))
    return _draw_labels(img, labels)


def draw_event_overlay(
    config: CameraConfig, frame: np.ndarray, box: tuple[int, int, int, int] | None, caption: list[str]
) -> np.ndarray:
    """A copy of an evidence frame with the vehicle boxed, the camera's lines, and a caption.
    The original frame is left untouched (evidence keeps both)."""
    img = frame.copy()
    for line in config.lines:
        colour = RED if line.kind is LineKind.stop_line else YELLOW
        cv2.polylines(img, [_pts(line.points)], False, colour, 3, cv2.LINE_AA)
    if box is not None:
        cv2.rectangle(img, box[:2], box[2:], RED, 4, cv2.LINE_AA)
    labels: list[Label] = [(text, (10, 40 + 32 * i), WHITE) for i, text in enumerate(caption)]
    return _draw_labels(img, labels)
