"""Generated test footage: real vehicle photographs, each with a rendered Vietnamese plate, driven across
a drawn road scene with a working traffic light, written as an mp4 with its camera file and ground truth.

Vehicles move at known speeds on the road plane and are projected through the camera's calibration, so
the speed rule can be checked against the truth. The photographs come from the caller (e.g. the labelled
sets in ../shared/datasets); nothing third-party is stored in the repository.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml

from detection.images import load_image
from detection.synth import composite
from detection.yolo import YoloDetector
from ocr.plate_format import PlateFamily, parse_plate
from ocr.render import Colour, Layout, PlateSpec

WIDTH, HEIGHT, FPS = 1920, 1080, 25.0
ROAD_M = (7.0, 25.0)  # width, visible length of the calibrated road area
# Image corners of the calibrated road area: near edge at the bottom of the frame, far edge at y = 400.
ROAD_IMAGE = [(560.0, 400.0), (1360.0, 400.0), (1920.0, 1080.0), (0.0, 1080.0)]
ROAD_METRES = [(0.0, ROAD_M[1]), (ROAD_M[0], ROAD_M[1]), (ROAD_M[0], 0.0), (0.0, 0.0)]
STOP_LINE_M = 12.0
LIGHT_REGION = (1700, 80, 1780, 300)
VEHICLE_WIDTH_M = 1.8
GO_ACCEL_MS2 = 2.0  # a queued vehicle moving off on green


@dataclass(frozen=True)
class Photo:
    """A real photograph of a vehicle and where its plate is."""

    path: Path
    plate_box: tuple[int, int, int, int]
    vehicle_box: tuple[int, int, int, int] | None = None


@dataclass(frozen=True)
class Drive:
    """One vehicle's trip up the road: lane centre (metres from the left edge), speed profile."""

    plate: str  # compact VN car plate, e.g. 51G12345
    lane_x_m: float
    start_s: float
    speed_kmh: float
    start_m: float = 0.6
    end_m: float = 27.0
    stop_at_m: float | None = None  # brakes to a halt here (e.g. before the stop line)
    accel_ms2: float = 0.0  # speeds up (negative: slows down) from speed_kmh, never below standstill
    go_s: float | None = None  # stopped at stop_at_m, moves off at this time (the light turned green)
    width_m: float = VEHICLE_WIDTH_M

    def position(self, t: float) -> float | None:
        """Metres up the road at time t, None when not in the scene."""
        if t < self.start_s:
            return None
        if self.go_s is not None and t > self.go_s:
            gone = t - self.go_s
            y = self._travelled(self.go_s) + GO_ACCEL_MS2 * gone * gone / 2
        else:
            y = self._travelled(t)
        return y if y <= self.end_m else None

    def _travelled(self, t: float) -> float:
        v = self.speed_kmh / 3.6
        dt = t - self.start_s
        if self.accel_ms2 < 0:
            dt = min(dt, v / -self.accel_ms2)  # then standing still
        y = self.start_m + v * dt + self.accel_ms2 * dt * dt / 2
        if self.stop_at_m is not None:
            brake = 2.5  # m/s², from 2 m/s² before the stop point
            brake_from = self.stop_at_m - v * v / (2 * brake)
            if y > brake_from:
                dt = t - self.start_s - (brake_from - self.start_m) / v
                y = min(self.stop_at_m, brake_from + v * dt - brake * dt * dt / 2)
                if dt > v / brake:
                    y = self.stop_at_m
        return y


@dataclass(frozen=True)
class Scenario:
    duration_s: float
    drives: tuple[Drive, ...]
    light: tuple[tuple[float, str], ...]  # (from second, state)
    started_at: datetime = field(default_factory=lambda: datetime(2026, 11, 20, 1, 30, tzinfo=UTC))

    def light_at(self, t: float) -> str:
        state = "green"
        for start, value in self.light:
            if t >= start:
                state = value
        return state


def standard_scenario() -> Scenario:
    """A car speeding at 80 km/h on green; later a car running the red at 30 km/h while another stops."""
    return Scenario(
        duration_s=10.5,
        drives=(
            Drive("51G12345", lane_x_m=5.25, start_s=0.3, speed_kmh=80.0),
            Drive("30A99988", lane_x_m=1.75, start_s=4.0, speed_kmh=30.0),
            Drive("29C45678", lane_x_m=5.25, start_s=5.0, speed_kmh=30.0, stop_at_m=STOP_LINE_M - 1.5),
        ),
        light=((0.0, "green"), (2.5, "amber"), (3.5, "red")),
    )


def queue_scenario(duration_s: float = 300.0, columns: int = 5, rows: int = 4) -> Scenario:
    """The loop's worst case (bench/pipeline.py --queue): ``columns × rows`` small vehicles queue at a
    long red, leave on a short green and queue again; one vehicle runs each red before the queue forms."""
    red, green, amber = 11.0, 131.0, 151.0  # then red again from amber + 3 s
    light = (
        (0.0, "green"),
        (8.0, "amber"),
        (red, "red"),
        (green, "green"),
        (amber, "amber"),
        (amber + 3, "red"),
    )
    stops = [STOP_LINE_M - 0.6 - 3.3 * r for r in range(rows)]  # nearest the line first
    lanes = [0.7 + 1.4 * c for c in range(columns)]
    drives = [Drive("51G10000", lanes[columns // 2], start_s=red + 0.5, speed_kmh=40.0, width_m=1.1)]
    drives.append(Drive("51G10001", lanes[0], start_s=amber + 4.0, speed_kmh=40.0, width_m=1.1))
    for k, (queue_from, go) in enumerate(((red + 2.0, green), (amber + 5.0, None))):
        for r, stop in enumerate(stops):
            for c, lane in enumerate(lanes):
                n = 2 + k * rows * columns + r * columns + c
                drives.append(
                    Drive(
                        f"51G{10000 + n}",
                        lane,
                        start_s=queue_from + 4.0 * r + 0.7 * c,
                        speed_kmh=30.0,
                        stop_at_m=stop,
                        go_s=None if go is None else go + 1.5 * r,
                        width_m=1.1,
                    )
                )
    return Scenario(duration_s, tuple(drives), light)


def homography() -> np.ndarray:
    return cv2.getPerspectiveTransform(np.array(ROAD_METRES, np.float32), np.array(ROAD_IMAGE, np.float32))


def to_image(h: np.ndarray, x_m: float, y_m: float) -> tuple[float, float]:
    p = cv2.perspectiveTransform(np.array([[[x_m, y_m]]], np.float64), h)[0, 0]
    return float(p[0]), float(p[1])


def camera_config(camera_id: str = "GEN-RED-001") -> dict[str, Any]:
    h = homography()
    stop = [to_image(h, 0, STOP_LINE_M), to_image(h, ROAD_M[0], STOP_LINE_M)]
    return {
        "camera": {
            "id": camera_id,
            "version": 1,
            "resolution": [WIDTH, HEIGHT],
            "fps": FPS,
            "location": {
                "name": "Generated junction (test footage)",
                "latitude": 10.7769,
                "longitude": 106.7009,
                "road": "Generated road",
                "province_code": "51",
                "speed_limit_kmh": 50,
            },
        },
        "lines": [{"name": "stop-line", "kind": "stop_line", "points": [list(p) for p in stop]}],
        "traffic_light": {"region": list(LIGHT_REGION)},
        "calibration": {
            "image_points": [list(p) for p in ROAD_IMAGE],
            "road_points_m": [list(p) for p in ROAD_METRES],
        },
    }


def sprite(photo: Photo, plate: str, rng: random.Random) -> np.ndarray:
    """The vehicle cut from its photograph, with a Vietnamese plate in place of its own."""
    if photo.vehicle_box is None:
        raise ValueError(f"{photo.path.name}: no vehicle box (use pick_vehicles)")
    image = load_image(photo.path)
    left, top, right, bottom = photo.vehicle_box
    crop = image[top:bottom, left:right].copy()
    x1, y1, x2, y2 = photo.plate_box
    width = (right - left) * 0.29  # a VN car plate (52 cm) on a 1.8 m wide car
    pcx, pcy = (x1 + x2) / 2 - left, (y1 + y2) / 2 - top
    box = (int(pcx - width / 2), int(pcy - width / 9.4), int(pcx + width / 2), int(pcy + width / 9.4))
    spec = PlateSpec(parse_plate(plate, family=PlateFamily.car), Layout.car_long, Colour.white)
    return composite(crop, box, rng, spec).image


def pick_vehicles(photos: list[Photo], count: int, detector: YoloDetector | None = None) -> list[Photo]:
    """Photos in which the vehicle detector clearly sees a whole car around the labelled plate (by
    default the fp32 COCO model, so the footage does not depend on whether int8 models were made)."""
    from detection.models import resolve_fp32

    detector = detector or YoloDetector(resolve_fp32("coco-yolov8n"))
    picked: list[Photo] = []
    for photo in sorted(photos, key=lambda p: p.path.name):
        image = load_image(photo.path)
        h, w = image.shape[:2]
        x1, y1, x2, y2 = photo.plate_box
        found = detector.detect(image)
        for i in range(len(found)):
            vx1, vy1, vx2, vy2 = (int(v) for v in found.xyxy[i])
            whole = vx1 > 2 and vy1 > 2 and vx2 < w - 2 and vy2 < h - 2
            holds_plate = vx1 <= x1 and vx2 >= x2 and vy1 <= y1 and vy2 >= y2
            if (
                found.name(i) == "car"
                and found.confidence[i] >= 0.7
                and whole
                and holds_plate
                and (vx2 - vx1) >= 300
            ):
                picked.append(Photo(photo.path, photo.plate_box, (vx1, vy1, vx2, vy2)))
                break
        if len(picked) == count:
            return picked
    raise ValueError(f"only {len(picked)} of the photos show a whole car clearly; need {count}")


def render_frame(
    background: np.ndarray, scenario: Scenario, sprites: list[np.ndarray], t: float, h: np.ndarray
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    frame = background.copy()
    draw_light(frame, scenario.light_at(t))
    placed = []
    drives = [(d, s, d.position(t)) for d, s in zip(scenario.drives, sprites, strict=True)]
    # Far vehicles first, so nearer ones are drawn over them.
    for drive, image, y_m in sorted((x for x in drives if x[2] is not None), key=lambda x: -(x[2] or 0.0)):
        assert y_m is not None
        left = to_image(h, drive.lane_x_m - drive.width_m / 2, y_m)
        right = to_image(h, drive.lane_x_m + drive.width_m / 2, y_m)
        width = max(8, round(right[0] - left[0]))
        height = max(8, round(image.shape[0] * width / image.shape[1]))
        scaled = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        ax, ay = (left[0] + right[0]) / 2, left[1]
        x0, y0 = round(ax - width / 2), round(ay - height)
        fx0, fy0 = max(0, x0), max(0, y0)
        fx1, fy1 = min(WIDTH, x0 + width), min(HEIGHT, y0 + height)
        if fx1 > fx0 and fy1 > fy0:
            frame[fy0:fy1, fx0:fx1] = scaled[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0]
        placed.append({"plate": drive.plate, "y_m": round(y_m, 3), "anchor": [round(ax, 1), round(ay, 1)]})
    return frame, placed


def draw_light(frame: np.ndarray, state: str) -> None:
    x1, y1, x2, y2 = LIGHT_REGION
    cv2.rectangle(frame, (x1, y1), (x2, y2), (25, 25, 25), -1)
    r = (x2 - x1) // 2 - 8
    cx = (x1 + x2) // 2
    lamps = {"red": (40, 40, 235), "amber": (20, 170, 250), "green": (80, 210, 40)}
    for i, name in enumerate(("red", "amber", "green")):
        cy = y1 + (y2 - y1) * (2 * i + 1) // 6
        colour = lamps[name] if name == state else (55, 55, 55)
        cv2.circle(frame, (cx, cy), r, colour, -1, cv2.LINE_AA)


def background(h: np.ndarray, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    frame = np.full((HEIGHT, WIDTH, 3), (150, 160, 170), np.uint8)  # buildings and sky, flat
    frame[:400] = (200, 190, 175)
    road = np.array(ROAD_IMAGE, np.int32)
    cv2.fillConvexPoly(frame, road, (78, 80, 82))
    noise = rng.normal(0, 6, frame.shape).astype(np.int16)
    frame = np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    white = (235, 235, 235)
    mid = [to_image(h, ROAD_M[0] / 2, y) for y in np.arange(0.0, ROAD_M[1], 3.0)]
    for (ax, ay), (bx, by) in zip(mid[::2], mid[1::2], strict=False):  # dashed lane divider
        cv2.line(frame, (round(ax), round(ay)), (round(bx), round(by)), white, 6, cv2.LINE_AA)
    a, b = to_image(h, 0, STOP_LINE_M), to_image(h, ROAD_M[0], STOP_LINE_M)
    cv2.line(frame, (round(a[0]), round(a[1])), (round(b[0]), round(b[1])), white, 10, cv2.LINE_AA)
    cv2.rectangle(frame, (1735, 300), (1745, 700), (60, 60, 60), -1)  # the light's pole
    return frame


@dataclass
class Generated:
    video: Path
    camera: Path
    truth: Path
    started_at: datetime


def generate(
    out_dir: Path, photos: list[Photo], scenario: Scenario | None = None, *, seed: int = 1
) -> Generated:
    """Write footage.mp4, camera.yaml and truth.json into ``out_dir``."""
    scenario = scenario or standard_scenario()
    if len(photos) < len(scenario.drives):
        raise ValueError(f"need {len(scenario.drives)} vehicle photos, got {len(photos)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    h = homography()
    sprites = [sprite(p, d.plate, rng) for p, d in zip(photos, scenario.drives, strict=False)]
    base = background(h)
    video = out_dir / "footage.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter.fourcc(*"mp4v"), FPS, (WIDTH, HEIGHT))
    if not writer.isOpened():
        raise RuntimeError("OpenCV cannot write mp4 here (no mp4v encoder)")
    positions = []
    try:
        for i in range(round(scenario.duration_s * FPS)):
            frame, placed = render_frame(base, scenario, sprites, i / FPS, h)
            writer.write(frame)
            positions.append(placed)
    finally:
        writer.release()
    # Sources without a given start time take the file's modification time as the recording's start.
    stamp = scenario.started_at.timestamp()
    os.utime(video, (stamp, stamp))
    camera = out_dir / "camera.yaml"
    camera.write_text(
        "# Generated by tvp footage generate: a road with a stop line and a traffic light.\n"
        + yaml.safe_dump(camera_config(), sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    truth = out_dir / "truth.json"
    truth.write_text(
        json.dumps(
            {
                "started_at": scenario.started_at.isoformat(),
                "fps": FPS,
                "drives": [asdict(d) for d in scenario.drives],
                "light": scenario.light,
                "red_from": next((s for s, v in scenario.light if v == "red"), None),
                "stop_line_m": STOP_LINE_M,
                "photos": [str(p.path.name) for p in photos[: len(scenario.drives)]],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return Generated(video, camera, truth, scenario.started_at)


def crossing_time(drive: Drive, y_m: float, step: float = 0.001) -> float | None:
    """Ground truth: when the vehicle's front-bottom anchor reaches ``y_m`` metres."""
    t = drive.start_s
    while t < drive.start_s + 60:
        y = drive.position(t)
        if y is not None and y >= y_m:
            return t
        if y is None and t > drive.start_s:
            return None
        t += step
    return None


def at(started: datetime, seconds: float) -> datetime:
    return started + timedelta(seconds=seconds)
