"""Plate detection and reading on a labelled folder.

    .venv/bin/python bench/alpr.py FOLDER [--grammar vn|any] [--limit N] [--out bench/results/alpr-NAME.json]

FOLDER holds images/ and labels.csv (image,plate_text,x1,y1,x2,y2). Prints detector plate recall
(IoU ≥ 0.5), exact-match rate of full reads (O folded to 0), false reads per image, and median ms per
frame and per plate read; writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def fold(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum()).replace("O", "0")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--grammar", choices=["vn", "any"], default="vn")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--plate-model", default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--held-out-only",
        action="store_true",
        help="only the photos that train-plates never trains on (one in five)",
    )
    args = parser.parse_args()
    os.environ.setdefault("TVP_ENV", "dev")

    from detection.images import load_image
    from detection.pipeline import PlatePipeline
    from detection.types import iou
    from ocr.foreign import AnyTextPlateReader
    from ocr.reader import PPOCRPlateReader

    reader = PPOCRPlateReader() if args.grammar == "vn" else AnyTextPlateReader()
    pipeline = PlatePipeline(reader, plate_model=args.plate_model)
    with open(args.folder / "labels.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if args.held_out_only:
        from detection.train import held_out

        rows = [r for r in rows if held_out(Path(r["image"]))]
    rows = rows[: args.limit] if args.limit else rows
    pipeline.process(np.zeros((720, 1280, 3), np.uint8))  # warm up
    found = exact = false_reads = 0
    frame_ms: list[float] = []
    read_ms: list[float] = []
    for row in rows:
        image = load_image(args.folder / row["image"])
        truth_box = np.array([[float(row[k]) for k in ("x1", "y1", "x2", "y2")]])
        started = time.perf_counter()
        result = pipeline.process(image)
        frame_ms.append((time.perf_counter() - started) * 1000)
        boxes = np.array([p.box for p in result.plates], dtype=np.float32).reshape(-1, 4)
        overlaps = iou(truth_box, boxes)[0] if len(boxes) else np.zeros(0)
        hit = int(overlaps.argmax()) if len(overlaps) and overlaps.max() >= 0.5 else None
        found += hit is not None
        truth = fold(row["plate_text"])
        texts = [fold(p.read.compact) if p.read else "" for p in result.plates]
        exact += truth in texts
        false_reads += sum(1 for t in texts if t and t != truth)
        if result.plates:
            crops = [image[p.box[1] : p.box[3], p.box[0] : p.box[2]] for p in result.plates[:1]]
            t0 = time.perf_counter()
            reader.read_many(crops)
            read_ms.append((time.perf_counter() - t0) * 1000)
    n = len(rows)
    figures = {
        "set": args.folder.name,
        "images": n,
        "grammar": args.grammar,
        "held_out_only": args.held_out_only,
        "plate_recall": round(found / n, 4),
        "exact_reads": round(exact / n, 4),
        "false_reads_per_image": round(false_reads / n, 4),
        "median_ms_per_frame": round(statistics.median(frame_ms), 1),
        "median_ms_per_plate_read": round(statistics.median(read_ms), 1) if read_ms else None,
        "models": pipeline.provenance,
    }
    print(json.dumps(figures, indent=2))
    out = args.out or Path("bench/results") / f"alpr-{args.folder.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
