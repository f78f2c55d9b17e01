"""What helmets add to the camera loop, on real footage (Ly Thuong Kiet × Hang Bai, a queue of
motorbikes near the camera): the helmet step's milliseconds per processed frame (one call on the packed
crops of the motorbikes whose turn it is, the vote and the kept looks) on average and at most, per
motorbike crop, the riders judged, and the loop's wall time with helmets off and on, for several
per-frame budgets (the detector's input per frame, in 320×320 squares). Measured at the clip's 640×480
and as the same scene at 1080 lines (frames enlarged 2.25× to 1440×1080: the "1080p-equivalent" frame
of issue 18's ≤ 15 ms target).

    nice -n 10 .venv/bin/python bench/helmets_camera.py [--span 140 230] [--stride 2] [--out JSON]

Needs the trained helmet weights (`tvp models train-helmets --ship`); with TVP_MODELS_DIR pointing at
other weights of the same architecture it measures the cost only (say so when quoting it). Writes
bench/results/helmets_camera.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from detection.camera_config import load_camera_config  # noqa: E402
from detection.helmet_clip import ClipRun, run_clip  # noqa: E402
from detection.helmets import HelmetDetector  # noqa: E402
from detection.models import resolve  # noqa: E402
from detection.pipeline import PlatePipeline  # noqa: E402

CAMERA = ROOT / "bench" / "cameras" / "hanoi-ltk-hang-bai.yaml"
CLIP = "hanoi_ly_thuong_kiet_hang_bai_red_to_green.mp4"
SHARED = Path(os.environ.get("TVP_SHARED_DIR", ROOT.parent / "shared"))


def figures(run: ClipRun, scale: float) -> dict[str, Any]:
    return {
        "processed_frames": run.processed,
        "loop_ms_per_frame": round(1000 * run.seconds / max(1, run.processed), 1),
        "helmet_frames": run.helmet_frames,
        "crops": run.crops,
        "crops_per_helmet_frame": round(run.crops / max(1, run.helmet_frames), 2),
        "helmet_ms_per_helmet_frame": round(run.helmet_ms / max(1, run.helmet_frames), 1),
        "helmet_ms_per_processed_frame": round(run.helmet_ms_per_processed_frame, 1),
        "helmet_ms_per_crop": round(run.helmet_ms / max(1, run.crops), 1),
        "helmet_ms_frame_p50_p95": [
            round(float(np.percentile(run.helmet_frame_ms, q)), 1) if run.helmet_frame_ms else 0.0
            for q in (50, 95)
        ],
        "helmet_ms_max_frame": round(run.helmet_max_ms, 1),
        "rider_verdicts": run.seen,
        "no_helmet_findings": [
            {
                "code": e.code,
                "frame": e.key_frame.index if e.key_frame else None,
                "box_in_clip_pixels": [round(v / scale) for v in e.key_frame.box]
                if e.key_frame and e.key_frame.box
                else None,
                "riders_seen": e.finding.measured.get("riders_seen"),
            }
            for e in run.events
            if e.code.startswith("NO_HELMET")
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--span", nargs=2, type=int, default=(140, 230))
    parser.add_argument("--stride", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "helmets_camera.json")
    args = parser.parse_args()
    video = SHARED / "datasets" / "vn_real_footage" / CLIP
    if not video.exists():
        raise SystemExit(f"{video} not found: ../shared must sit beside the repository")
    config = load_camera_config(CAMERA)
    pipeline = PlatePipeline()
    span = (args.span[0], args.span[1])
    model = resolve("helmet")
    finder = HelmetDetector()  # one detector for every case, its session opened before any timing
    finder.riders(np.zeros((480, 640, 3), np.uint8), np.array([[200, 200, 260, 300]], np.float32))
    runs: dict[str, Any] = {"model": model.provenance, "clip": CLIP, "span": span, "stride": args.stride}
    # (name, every n-th frame per motorbike, input budget, scale); the default is (1, 1.1)
    cases = [
        ("off_640x480", None, 1.1, 1.0),
        ("default_640x480", 1, 1.1, 1.0),
        ("off_1440x1080", None, 1.1, 2.25),
        ("default_1440x1080", 1, 1.1, 2.25),
        ("budget_1.0_1440x1080", 1, 1.0, 2.25),
        ("budget_2_1440x1080", 1, 2.0, 2.25),
        ("all_in_view_1440x1080", 1, 16.0, 2.25),
    ]
    for name, every_n, budget, scale in cases:
        run = run_clip(
            config,
            video,
            span,
            every_n=every_n,
            input_budget=budget,
            stride=args.stride,
            scale=scale,
            pipeline=pipeline,
            finder=finder if every_n is not None else None,
        )
        runs[name] = figures(run, scale)
        print(name, json.dumps(runs[name]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(runs, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
