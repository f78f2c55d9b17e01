"""Camera pipeline throughput on 1080p 25 fps footage, and whether cheaper settings find the same
violations as full-rate processing.

    .venv/bin/python bench/pipeline.py [--footage F --camera C] [--out bench/results/pipeline.json]

Without --footage, generates the standard scenario (a car speeding at 80 km/h on green, one running
the red at 30 km/h, one stopping) from the photos in ../shared/datasets/openalpr_us. For each setting
(full rate, frame striding, motion gating) prints frames/s (decoding included), the real-time factor,
the violations found, the speed error against the ground truth and whether the violations match the
full-rate run (same codes and plates).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SETTINGS = [
    ("full rate", 1, False),
    ("stride 2", 2, False),
    ("stride 3", 3, False),
    ("stride 3 + motion gate", 3, True),
    ("stride 4 + motion gate", 4, True),
]


def generate(folder: Path, photos: Path) -> tuple[Path, Path, Path]:
    from detection.footage import Photo, generate, pick_vehicles, standard_scenario
    from detection.train import read_labels

    items = read_labels(photos)
    scenario = standard_scenario()
    picked = pick_vehicles([Photo(i.image, i.box) for i in items], len(scenario.drives))
    made = generate(folder, picked, scenario)
    return made.video, made.camera, made.truth


def run_once(footage: Path, camera: Path, stride: int, gate: bool) -> dict[str, Any]:
    from detection.camera import CameraProcessor, ProcessorOptions
    from detection.camera_config import load_camera_config
    from detection.pipeline import PlatePipeline
    from detection.sources import VideoFileSource, prefetch

    config = load_camera_config(camera)
    processor = CameraProcessor(config, PlatePipeline(), ProcessorOptions(stride=stride, motion_gate=gate))
    warm = next(VideoFileSource(config.camera.id, footage).frames())
    processor.pipeline.process(warm.image)  # load and warm the sessions outside the timing
    processor.pipeline.reader.read_many([warm.image[:60, :240]])
    events = []
    began = time.perf_counter()
    frames = 0
    for frame in prefetch(VideoFileSource(config.camera.id, footage, stride=stride).frames()):
        frames = frame.index + 1
        events += processor.feed(frame)
    events += processor.flush()
    elapsed = time.perf_counter() - began
    fps = frames / elapsed
    return {
        "frames": frames,
        "processed": processor.frames_processed,
        "seconds": round(elapsed, 2),
        "fps": round(fps, 1),
        "realtime_factor": round(fps / config.camera.fps, 2),
        "events": [e.summary() for e in events],
        "models": processor.pipeline.provenance,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--footage", type=Path)
    parser.add_argument("--camera", type=Path)
    parser.add_argument("--truth", type=Path, help="truth.json of generated footage (speed ground truth)")
    parser.add_argument(
        "--photos",
        type=Path,
        nargs="+",
        default=[Path("../shared/datasets/openalpr_us"), Path("../shared/datasets/openalpr_eu")],
        help="Without --footage: one generated footage per labelled photo folder",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results/pipeline.json"))
    args = parser.parse_args()

    report: dict[str, Any] = {}
    if args.footage is not None:
        report[str(args.footage)] = bench_footage(args.footage, args.camera, args.truth)
    else:
        for folder in args.photos:
            with tempfile.TemporaryDirectory() as tmp:
                print(f"\n# generated footage, vehicles from {folder}")
                footage, camera, truth = generate(Path(tmp), folder)
                report[f"generated from {folder.name}"] = bench_footage(footage, camera, truth)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"wrote {args.out}")


def bench_footage(footage: Path, camera: Path, truth_file: Path | None) -> dict[str, Any]:
    truth = json.loads(truth_file.read_text()) if truth_file else None
    true_speed = {d["plate"]: d["speed_kmh"] for d in truth["drives"]} if truth else {}

    results: dict[str, Any] = {"footage": str(footage), "settings": {}}
    reference: list[tuple[str, str | None]] | None = None
    print(f"{'setting':<24} {'frames/s':>9} {'× real time':>12} {'same as full':>13}  violations")
    for name, stride, gate in SETTINGS:
        r = run_once(footage, camera, stride, gate)
        found = [(e["code"], e["plate"]) for e in r["events"]]
        reference = found if reference is None else reference
        r["same_as_full_rate"] = found == reference
        errors = [
            round(e["measured"]["speed_kmh"] - true_speed[e["plate"]], 1)
            for e in r["events"]
            if "speed_kmh" in e["measured"] and e["plate"] in true_speed
        ]
        r["speed_error_kmh"] = errors
        results["settings"][name] = r
        listing = ", ".join(f"{c} {p}" for c, p in found) or "none"
        print(
            f"{name:<24} {r['fps']:>9.1f} {r['realtime_factor']:>12.2f} {r['same_as_full_rate']!s:>13}  "
            f"{listing}; speed error {errors} km/h"
        )
    results["models"] = results["settings"]["full rate"]["models"]
    return results


if __name__ == "__main__":
    main()
