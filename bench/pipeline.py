"""Camera pipeline throughput on 1080p 25 fps footage, and whether cheaper settings find the same
violations as full-rate processing.

    .venv/bin/python bench/pipeline.py [--footage F --camera C] [--out bench/results/pipeline.json]
    .venv/bin/python bench/pipeline.py --queue [--minutes 5] [--keep DIR] [--stride 1] [--motion-gate]

--queue: the camera loop at real-intersection size. Generates footage of a long red with 20 vehicles
queued at the stop line (detection.footage.queue_scenario; kept in --keep to reuse), runs one camera
over it in a child process and reports frames/s per footage minute (the first and the last must not
differ much), the most vehicles tracked at once, the clip buffer's peak size and the camera process's
peak RSS, per minute and overall, with RSS, pending events and live tracks each footage second
("trace") to see where it peaks (bench/results/pipeline_queue.json).

Without --footage, generates the standard scenario (a car speeding at 80 km/h on green, one running
the red at 30 km/h, one stopping) from the photos in ../shared/datasets/openalpr_us. For each setting
(full rate, frame striding, motion gating) prints frames/s (decoding included), the real-time factor,
the violations found, the speed error against the ground truth and whether the violations match the
full-rate run (same codes and plates).
"""

from __future__ import annotations

import argparse
import json
import os
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


def generate_queue(folder: Path, photos: Path, minutes: float) -> tuple[Path, Path]:
    from detection.footage import Photo, generate, pick_vehicles, queue_scenario
    from detection.train import read_labels

    video, camera = folder / "footage.mp4", folder / "camera.yaml"
    if video.exists() and camera.exists():
        return video, camera
    scenario = queue_scenario(duration_s=minutes * 60)
    items = read_labels(photos)
    picked = pick_vehicles([Photo(i.image, i.box) for i in items], 8)
    made = generate(folder, [picked[i % len(picked)] for i in range(len(scenario.drives))], scenario)
    return made.video, made.camera


def buffer_bytes(processor: Any) -> int:
    """The clip buffer's size (before issue 12 it was a deque of raw frames)."""
    buffer = processor._buffer
    return int(buffer.nbytes) if hasattr(buffer, "nbytes") else sum(f.image.nbytes for f in buffer)


def run_loop(footage: Path, camera: Path, stride: int, gate: bool, limit_min: float) -> dict[str, Any]:
    """One camera over the footage in this process: frames/s per footage minute, peak memory."""
    import resource

    from detection.camera import CameraProcessor, ProcessorOptions
    from detection.camera_config import load_camera_config
    from detection.pipeline import PlatePipeline
    from detection.sources import VideoFileSource, prefetch

    config = load_camera_config(camera)
    processor = CameraProcessor(config, PlatePipeline(), ProcessorOptions(stride=stride, motion_gate=gate))
    warm = next(VideoFileSource(config.camera.id, footage).frames())
    processor.pipeline.process(warm.image)
    processor.pipeline.reader.read_many([warm.image[:60, :240]])
    loaded_mb = _rss_mb()  # models, tracker and libraries: before any frame
    per_minute = round(60 * config.camera.fps)
    minutes: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []  # summaries: a camera writes an event's evidence and lets it go
    began = last = time.perf_counter()
    live = peak_buffer = 0
    frames = 0
    trace: list[list[float]] = []  # each second: frame, RSS MB, pending events, live tracks
    for frame in prefetch(VideoFileSource(config.camera.id, footage, stride=stride).frames()):
        if frame.index >= limit_min * per_minute:
            break
        events += [e.summary() for e in processor.feed(frame)]
        frames = frame.index + 1
        live = max(live, processor.live_tracks)
        if frame.index % 25 < stride:
            peak_buffer = max(peak_buffer, buffer_bytes(processor))
            trace.append([frame.index, _rss_mb(), processor.pending_events, processor.live_tracks])
        if frames >= per_minute * (len(minutes) + 1):
            now = time.perf_counter()
            done = frames - sum(m["frames"] for m in minutes)
            minutes.append(
                {
                    "frames": done,
                    "fps": round(done / (now - last), 2),
                    "max_live_tracks": live,
                    "rss_mb": _rss_mb(),
                    "peak_rss_mb": _rss_mb("VmHWM"),  # the highest so far
                }
            )
            last, live = now, 0
    if frames > sum(m["frames"] for m in minutes):  # a last part minute
        done = frames - sum(m["frames"] for m in minutes)
        fps = done / (time.perf_counter() - last)
        minutes.append(
            {
                "frames": done,
                "fps": round(fps, 2),
                "max_live_tracks": live,
                "rss_mb": _rss_mb(),
                "peak_rss_mb": _rss_mb("VmHWM"),
            }
        )
    events += [e.summary() for e in processor.flush()]
    trace.append([frames, _rss_mb(), processor.pending_events, processor.live_tracks])
    elapsed = time.perf_counter() - began
    return {
        "stride": stride,
        "motion_gate": gate,
        "frames": frames,
        "processed": processor.frames_processed,
        "seconds": round(elapsed, 1),
        "fps": round(frames / elapsed, 2),
        "minutes": minutes,
        "first_minute_fps": minutes[0]["fps"] if minutes else None,
        "last_minute_fps": minutes[-1]["fps"] if minutes else None,
        "clip_buffer_peak_mb": round(peak_buffer / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_loaded_mb": loaded_mb,
        "rss_growth_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - loaded_mb, 1),
        "events": events,
        "torch_loaded": "torch" in sys.modules,  # issue 12: nothing on the camera loop imports torch
        "trace": trace,
    }


def _rss_mb(field: str = "VmRSS") -> float:
    status = Path("/proc/self/status").read_text()
    return round(int(status.split(f"{field}:")[1].split()[0]) / 1024, 1)


def bench_queue(args: argparse.Namespace) -> None:
    import subprocess

    folder = args.keep or Path(tempfile.mkdtemp(prefix="tvp-queue-"))
    folder.mkdir(parents=True, exist_ok=True)
    footage, camera = generate_queue(folder, args.photos[0], args.minutes)
    command = [sys.executable, __file__, "--loop", str(footage), str(camera), "--stride", str(args.stride)]
    command += ["--minutes", str(args.minutes)]
    child = subprocess.run(  # noqa: S603 (this script, with its own arguments)
        command + (["--motion-gate"] if args.motion_gate else []), check=True, stdout=subprocess.PIPE
    )
    result = json.loads(child.stdout.decode().splitlines()[-1])
    for i, m in enumerate(result["minutes"]):
        print(
            f"minute {i + 1}: {m['fps']:.1f} frames/s, up to {m['max_live_tracks']} vehicles tracked, "
            f"RSS {m['rss_mb']} MB"
        )
    print(
        f"clip buffer peak {result['clip_buffer_peak_mb']} MB, camera process peak RSS "
        f"{result['peak_rss_mb']} MB ({result['rss_loaded_mb']} MB with the models loaded, before the "
        f"first frame: {result['rss_growth_mb']} MB more for frames and tracks), "
        f"{len(result['events'])} events; torch loaded: {result.get('torch_loaded')}"
    )
    out = (
        args.out
        if args.out != Path("bench/results/pipeline.json")
        else Path("bench/results/pipeline_queue.json")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"footage": str(footage), **result}, indent=2, ensure_ascii=False))
    print(f"wrote {out}")


def main() -> None:
    if sys.argv[1:2] == ["--loop"]:  # the child process of --queue
        loop = argparse.ArgumentParser()
        loop.add_argument("--loop", nargs=2, type=Path)
        loop.add_argument("--stride", type=int, default=1)
        loop.add_argument("--motion-gate", action="store_true")
        loop.add_argument("--minutes", type=float, default=5.0)
        a = loop.parse_args()
        print(json.dumps(run_loop(a.loop[0], a.loop[1], a.stride, a.motion_gate, a.minutes), default=str))
        sys.stdout.flush()
        os._exit(0)  # not waiting on the decoder thread left mid-file (it can abort at interpreter exit)
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
    parser.add_argument("--queue", action="store_true", help="the camera loop with a queue at a long red")
    parser.add_argument(
        "--minutes",
        type=float,
        default=5.0,
        help="--queue: footage length (existing footage: only this much)",
    )
    parser.add_argument("--keep", type=Path, help="--queue: folder for the footage (reused when there)")
    parser.add_argument("--stride", type=int, default=1, help="--queue: process every n-th frame")
    parser.add_argument("--motion-gate", action="store_true", help="--queue: with the motion gate")
    args = parser.parse_args()
    if args.queue:
        bench_queue(args)
        return

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
