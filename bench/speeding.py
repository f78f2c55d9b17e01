"""Which tracks the speeding rule measures, per vehicle class, and how close the measured speed is.

    nice -n 10 .venv/bin/python bench/speeding.py [--out bench/results/speeding.json]

Two sources, tracked as the camera loop tracks them (the same vehicle detector, tracker and anchor):
- generated footage with truth (detection.footage; real car photographs driven at known speeds on a
  calibrated road), at 1080p and scaled to 480p: measured/true speed ratio per class, median and spread;
- the real hand-held clip vn_arterial_underpass_handheld_speed.mp4 in ../shared/datasets/vn_real_footage,
  its steady part (frames 270-607) with bench/cameras/vn-arterial-underpass.yaml: no speed truth, so how
  many tracks per class are measured, their fit residuals and speeds, and the ground truth's car k1
  (crosses image rows 400 and 330 at frames ≈455 and ≈498).

Tracks are cached under bench/results/speeding_tracks/ (detection is the slow part), so a change to the
rule is benched on exactly the same tracks; --retrack detects again.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REAL_CLIP = Path("../shared/datasets/vn_real_footage/vn_arterial_underpass_handheld_speed.mp4")
REAL_CAMERA = Path("bench/cameras/vn-arterial-underpass.yaml")
REAL_FRAMES = (270, 607)  # the steady part (the camera is hand-held)
K1 = {"line_a": (400, 455), "line_b": (330, 498)}  # image row, frame (ground truth, ±2 frames)
CLASSES = ("car", "truck", "bus", "motorbike")
CACHE = Path("bench/results/speeding_tracks")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def scenario() -> Any:
    """Cars one after another in both lanes, 25-100 km/h, so each is seen whole from near to far; then two
    whose speed drifts as real speeds do (speeding up 2.5 m/s², slowing down 3 m/s²)."""
    from detection.footage import Drive, Scenario

    plan = [(25.0, 1.75, 0.0), (40.0, 5.25, 0.0), (55.0, 1.75, 0.0), (70.0, 5.25, 0.0), (85.0, 1.75, 0.0)]
    plan += [(100.0, 5.25, 0.0), (35.0, 1.75, 2.5), (75.0, 5.25, -3.0)]
    drives = tuple(
        Drive(f"51G{10001 + i}", lane_x_m=lane, start_s=0.2 + 2.2 * i, speed_kmh=kmh, accel_ms2=accel)
        for i, (kmh, lane, accel) in enumerate(plan)
    )
    return Scenario(duration_s=0.2 + 2.2 * len(drives) + 1.5, drives=drives, light=((0.0, "green"),))


def track_video(video: Path, fps: float, first: int, last: int, scale: float = 1.0) -> list[dict[str, Any]]:
    """Vehicle tracks as detection.camera records them: box per frame, class by majority. ``scale``
    resizes each frame first."""
    from core.config import get_settings
    from detection.models import resolve
    from detection.pipeline import VEHICLE_CONF
    from detection.tracking import Tracker
    from detection.yolo import YoloDetector

    detector = YoloDetector(
        resolve("coco-yolov8n"), conf=VEHICLE_CONF, agnostic=True, imgsz=get_settings().vehicle_imgsz
    )
    tracker = Tracker()
    tracks: dict[int, dict[str, Any]] = {}
    cap = cv2.VideoCapture(str(video))
    index = -1
    while True:
        ok, image = cap.read()
        index += 1
        if not ok or index > last:
            break
        if index < first:
            continue
        if scale != 1.0:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        found = tracker.update(detector.detect(image))
        for i in range(len(found)):
            tid = int(found.tracker_id[i]) if found.tracker_id is not None else -1
            x1, y1, x2, y2 = (round(float(v)) for v in found.xyxy[i])
            track = tracks.setdefault(tid, {"id": tid, "classes": Counter(), "points": []})
            track["classes"][found.name(i)] += 1
            track["points"].append([index, round(index / fps, 4), x1, y1, x2, y2])
    cap.release()
    return [
        {"id": t["id"], "class": t["classes"].most_common(1)[0][0], "points": t["points"]}
        for t in tracks.values()
    ]


def cached_tracks(name: str, make: Any, retrack: bool) -> list[dict[str, Any]]:
    path = CACHE / f"{name}.json"
    if path.exists() and not retrack:
        return json.loads(path.read_text())
    tracks = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(tracks))
    return tracks


def to_track(raw: dict[str, Any]) -> Any:
    from detection.rules.base import Track, TrackPoint
    from detection.vehicles import VehicleClass

    points = [
        TrackPoint(T0 + timedelta(seconds=t), (x1 + x2) / 2, float(y2), (x1, y1, x2, y2))
        for _, t, x1, y1, x2, y2 in raw["points"]
    ]
    return Track(raw["id"], VehicleClass(raw["class"]), points)


def measure(raw: dict[str, Any], ctx: Any) -> dict[str, Any]:
    """The rule's verdict on one track: measured or not, and the fit's figures."""
    from detection.rules import speeding

    track = to_track(raw)
    result = speeding.measure(track, ctx)
    out: dict[str, Any] = {"id": raw["id"], "class": raw["class"], "points": len(raw["points"])}
    old = speeding.speed_kmh(track, ctx.homography())  # the rule before: fixed 0.6 m, constant velocity
    out["before"] = None
    if old is not None:
        out["before"] = {"speed_kmh": round(old[0], 2), "residual_m": round(old[1], 3)}
        out["before"]["measured"] = old[1] <= speeding.MAX_RESIDUAL_M
    if result is None:
        return out | {"fit": None, "measured": False}
    return out | {"fit": result.summary(), "measured": result.accepted}


def spread(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    q = np.percentile(values, [10, 50, 90])
    return {"n": len(values), "p10": round(q[0], 3), "median": round(q[1], 3), "p90": round(q[2], 3)}


def per_class(rows: list[dict[str, Any]], extra: Any = None) -> dict[str, Any]:
    out = {}
    for cls in CLASSES:
        mine = [r for r in rows if r["class"] == cls]
        fitted = [r for r in mine if r["fit"] is not None]
        measured = [r for r in fitted if r["measured"]]
        figures: dict[str, Any] = {
            "tracks": len(mine),
            "fittable": len(fitted),
            "measured": len(measured),
            "residual_m": spread([r["fit"]["residual_m"] for r in fitted]),
        }
        if fitted and "jitter" in fitted[0]["fit"]:
            figures["jitter"] = spread([r["fit"]["jitter"] for r in fitted if r["fit"]["jitter"] is not None])
        if extra:
            figures.update(extra(measured, "fit"))
        before = [r for r in mine if r["before"] is not None and r["before"]["measured"]]
        figures["before_fixed_0.6m"] = {
            "fittable": sum(r["before"] is not None for r in mine),
            "measured": len(before),
            "residual_m": spread([r["before"]["residual_m"] for r in mine if r["before"] is not None]),
        }
        if extra:
            figures["before_fixed_0.6m"].update(extra(before, "before"))
        out[cls] = figures
    return out


def generated(retrack: bool, height: int) -> dict[str, Any]:
    """``height``: the footage (1080p) is scaled to this many rows before detection, as a lower-resolution
    camera would see the same road (a pixel then covers more of it)."""
    from detection.camera_config import CameraConfig
    from detection.footage import HEIGHT, Photo, camera_config, generate, pick_vehicles, to_image
    from detection.footage import homography as road_to_image
    from detection.rules.base import RuleContext
    from detection.train import read_labels

    plan = scenario()
    folder = CACHE / "generated"
    scale = height / HEIGHT

    def make() -> list[dict[str, Any]]:
        if retrack or not (folder / "footage.mp4").exists():
            items = read_labels(Path("../shared/datasets/openalpr_us"))
            picked = pick_vehicles([Photo(i.image, i.box) for i in items], len(plan.drives))
            generate(folder, picked, plan)
        return track_video(folder / "footage.mp4", 25.0, 0, 10**9, scale=scale)

    tracks = cached_tracks(f"generated-{height}p", make, retrack)
    config = camera_config()
    config["camera"]["resolution"] = [round(v * scale) for v in config["camera"]["resolution"]]
    config["lines"], config["traffic_light"] = [], None
    cal = config["calibration"]
    width, height_px = config["camera"]["resolution"]  # 1920 → 853.3 columns at 480p: kept in the 853
    cal["image_points"] = [[min(x * scale, width), min(y * scale, height_px)] for x, y in cal["image_points"]]
    ctx = RuleContext(CameraConfig.model_validate(config))
    h = road_to_image()
    rows = []
    for raw in tracks:
        truth = None
        best = 60.0  # px: the track's anchor must follow one drive's anchor
        for drive in plan.drives:
            gaps = []
            for _, t, x1, _, x2, y2 in raw["points"]:
                y_m = drive.position(t)
                if y_m is not None:
                    ax, ay = to_image(h, drive.lane_x_m, y_m)
                    gaps.append(np.hypot((x1 + x2) / 2 - ax * scale, y2 - ay * scale) / scale)
            if len(gaps) >= 0.8 * len(raw["points"]) and gaps and float(np.median(gaps)) < best:
                best, truth = float(np.median(gaps)), mean_kmh(drive, raw["points"])
        rows.append(measure(raw, ctx) | {"true_kmh": truth})

    def ratios(measured: list[dict[str, Any]], key: str) -> dict[str, Any]:
        values: list[float] = [r[key]["speed_kmh"] / r["true_kmh"] for r in measured if r["true_kmh"]]
        if not values:
            return {"ratio_median": None}
        med = statistics.median(values)
        worst = max(values, key=lambda v: abs(v - 1.0))
        return {
            "ratio_median": round(med, 4),
            "ratio_spread_pct": round(100 * statistics.median(abs(v - med) for v in values) * 1.4826, 2),
            "ratio_worst": round(worst, 4),
        }

    return {
        "drives": [{"kmh": d.speed_kmh, "accel_ms2": d.accel_ms2} for d in plan.drives],
        "matched_tracks": sum(r["true_kmh"] is not None for r in rows),
        "per_class": per_class(rows, ratios),
        "tracks": rows,
    }


def mean_kmh(drive: Any, points: list[list[float]]) -> float | None:
    """The drive's true mean speed over the track's span (its speed, for a constant-speed drive)."""
    times = [t for _, t, *_ in points if drive.position(t) is not None]
    if len(times) < 2 or times[-1] <= times[0]:
        return None
    return float((drive.position(times[-1]) - drive.position(times[0])) / (times[-1] - times[0]) * 3.6)


def real(retrack: bool) -> dict[str, Any]:
    from detection.camera_config import load_camera_config
    from detection.rules.base import RuleContext

    if not REAL_CLIP.exists():
        raise SystemExit(f"{REAL_CLIP}: missing (the real footage set in ../shared/datasets)")
    config = load_camera_config(REAL_CAMERA)
    tracks = cached_tracks("real-arterial", lambda: track_video(REAL_CLIP, 30.0, *REAL_FRAMES), retrack)
    ctx = RuleContext(config)
    h = ctx.homography()
    if h is None:
        raise SystemExit(f"{REAL_CAMERA}: no calibration")
    rows = [measure(raw, ctx) for raw in tracks]

    def speeds(measured: list[dict[str, Any]], key: str) -> dict[str, Any]:
        return {"speed_kmh": spread([r[key]["speed_kmh"] for r in measured])}

    return {
        "frames": list(REAL_FRAMES),
        "per_class": per_class(rows, speeds),
        "k1": k1(tracks, rows, h),
        "tracks": rows,
    }


def k1(tracks: list[dict[str, Any]], rows: list[dict[str, Any]], h: np.ndarray) -> dict[str, Any] | None:
    """The ground truth's SUV: the car track whose box bottom crosses row 400 nearest frame 455. Its
    speed between the truth's two crossing frames (camera file's assumed scale) is set beside the fit's."""

    def crossing(points: list[list[float]], row: float) -> tuple[float, float] | None:
        """(frame, anchor x) where the box's bottom crosses the image row."""
        for a, b in itertools.pairwise(points):
            if a[5] > row >= b[5]:
                f = (a[5] - row) / (a[5] - b[5])
                return a[0] + (b[0] - a[0]) * f, (a[2] + a[4]) / 2 * (1 - f) + (b[2] + b[4]) / 2 * f
        return None

    best = None
    for raw, row in zip(tracks, rows, strict=True):
        if raw["class"] not in ("car", "truck", "bus"):
            continue
        at_a = crossing(raw["points"], K1["line_a"][0])
        if (
            at_a is not None
            and abs(at_a[0] - K1["line_a"][1]) <= 8
            and (best is None or row["points"] > best[1]["points"])
        ):
            best = (raw, row, at_a, crossing(raw["points"], K1["line_b"][0]))
    if best is None:
        return None
    raw, row, at_a, at_b = best
    truth_kmh = None
    if at_b is not None:
        ends = np.array([[[at_a[1], K1["line_a"][0]]], [[at_b[1], K1["line_b"][0]]]], np.float64)
        a, b = cv2.perspectiveTransform(ends, h).reshape(2, 2)
        truth_kmh = float(np.hypot(*(b - a))) / ((K1["line_b"][1] - K1["line_a"][1]) / 30.0) * 3.6
    return {
        "track": raw["id"],
        "class": raw["class"],
        "frames": [raw["points"][0][0], raw["points"][-1][0]],
        "crosses_row_400_at_frame": round(at_a[0], 1),
        "crosses_row_330_at_frame": None if at_b is None else round(at_b[0], 1),
        "truth_frames": [K1["line_a"][1], K1["line_b"][1]],
        "kmh_between_truth_frames": None if truth_kmh is None else round(truth_kmh, 2),
        "measured": row["measured"],
        "fit": row["fit"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results/speeding.json"))
    parser.add_argument("--retrack", action="store_true", help="detect and track again (no cache)")
    parser.add_argument("--only", choices=("generated", "real"))
    args = parser.parse_args()

    from detection.rules import speeding

    figures: dict[str, Any] = {"rule": speeding.describe()}
    if args.only in (None, "generated"):
        figures["generated_1080p"] = generated(args.retrack, 1080)
        figures["generated_480p"] = generated(args.retrack, 480)
    if args.only in (None, "real"):
        figures["real_arterial"] = real(args.retrack)
    brief = {
        k: v if not isinstance(v, dict) else {kk: vv for kk, vv in v.items() if kk != "tracks"}
        for k, v in figures.items()
    }
    print(json.dumps(brief, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
