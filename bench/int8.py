"""fp32 vs the shipped int8 detectors on a real clip: ms per frame of the vehicle detector alone and of
the whole camera loop (detect, track, read plates, rules), and how many fp32 vehicle boxes int8 finds.

    nice -n 10 .venv/bin/python bench/int8.py [--clip PATH --camera YAML --frames 120]

Writes bench/results/int8.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
CLIP = (
    ROOT.parent / "shared" / "datasets" / "vn_real_footage" / "hanoi_giang_vo_lang_ha_green_to_red_queue.mp4"
)
CAMERA = ROOT / "bench" / "cameras" / "hanoi-giang-vo-lang-ha.yaml"


def frames(clip: Path, count: int) -> list[Any]:
    from detection.sources import VideoFileSource
    from detection.span import Span

    return list(VideoFileSource("BENCH", clip, span=Span.parse(None, f"f{count}")).frames())


def measure(precision: str, clip_frames: list[Any], camera: Path) -> dict[str, Any]:
    from core.config import reset_settings
    from detection.camera import CameraProcessor, ProcessorOptions
    from detection.camera_config import load_camera_config
    from detection.models import resolve
    from detection.pipeline import PlatePipeline

    os.environ["TVP_MODEL_PRECISION"] = precision
    reset_settings()
    resolve.cache_clear()
    pipeline = PlatePipeline()
    detector = pipeline.vehicles
    detector.detect(clip_frames[0].image)  # load and warm the session
    began = time.perf_counter()
    boxes = [detector.detect(f.image) for f in clip_frames]
    detect_ms = (time.perf_counter() - began) * 1000 / len(clip_frames)
    config = load_camera_config(camera)
    processor = CameraProcessor(config, pipeline, ProcessorOptions())
    began = time.perf_counter()
    events = []
    for frame in clip_frames:
        events += processor.feed(frame)
    events += processor.flush()
    loop_ms = (time.perf_counter() - began) * 1000 / len(clip_frames)
    return {
        "precision": precision,
        "models": {
            k: f"{v['name']}@{v['sha256'][:12]} ({v.get('precision', 'fp32')})"
            for k, v in pipeline.provenance.items()
            if "sha256" in v
        },
        "vehicle_detector_ms_per_frame": round(detect_ms, 1),
        "camera_loop_ms_per_frame": round(loop_ms, 1),
        "events": [(e.code, e.at.isoformat(), e.plate.best.compact if e.plate else None) for e in events],
        "_boxes": boxes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clip", type=Path, default=CLIP)
    parser.add_argument("--camera", type=Path, default=CAMERA)
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "int8.json")
    args = parser.parse_args()
    from detection.types import iou

    clip_frames = frames(args.clip, args.frames)
    results = [measure(p, clip_frames, args.camera) for p in ("fp32", "auto")]
    found = matched = 0
    for a, b in zip(results[0]["_boxes"], results[1]["_boxes"], strict=True):
        found += len(a)
        if len(a) and len(b):
            matched += int((iou(a.xyxy, b.xyxy).max(axis=1) >= 0.7).sum())
    for r in results:
        r.pop("_boxes")
        print(
            f"{r['precision']:>5}: vehicle detector {r['vehicle_detector_ms_per_frame']} ms/frame, "
            f"camera loop {r['camera_loop_ms_per_frame']} ms/frame, {len(r['events'])} events  {r['models']}"
        )
    print(f"int8 finds {matched} of {found} fp32 vehicle boxes (IoU ≥ 0.7): {matched / max(found, 1):.1%}")
    report = {
        "clip": args.clip.name,
        "frames": len(clip_frames),
        "size": list(clip_frames[0].image.shape[1::-1]),
        "runs": results,
        "int8_matches_fp32_boxes": round(matched / max(found, 1), 4),
        "fp32_boxes": found,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
