"""Plate detection and reading on a labelled folder.

    .venv/bin/python bench/alpr.py FOLDER [--grammar vn|any] [--limit N] [--half tune|check]
        [--out bench/results/alpr-NAME.json] [--records bench/results/alpr-NAME-images.json]

FOLDER holds images/ and labels.csv (image,plate_text,x1,y1,x2,y2). Prints detector plate recall
(IoU ≥ 0.5), exact-match rate of full reads (O folded to 0), false reads per image, and median ms per
frame and per plate read (the first plate, read as the pipeline reads it: with each of the reader's
crop margins); writes the figures as JSON.

The sets label one plate per photo, yet some photos show other real plates. Those seen by eye (boxes
in bench/alpr_unlabelled_plates.csv, found by looking at every read away from the labelled plate)
are not scored: a read over one (IoU ≥ 0.3) counts in ``other_reads_per_image``, neither right nor
wrong. Every other read that is not the labelled text is a false read (signs, stickers, a wrong read
of the labelled plate). ``--half`` keeps one half of the photos by a hash of the name: ``tune`` for
tuning, ``check`` for photos the tuning never saw.
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
    parser.add_argument("--half", choices=["tune", "check"], default=None)
    parser.add_argument("--records", type=Path, default=None, help="per-photo reads as JSON")
    args = parser.parse_args()
    os.environ.setdefault("TVP_ENV", "dev")

    from detection.images import load_image
    from detection.pipeline import PlatePipeline, read_boxes
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
    if args.half:
        rows = [r for r in rows if in_half(Path(r["image"])) == args.half]
    rows = rows[: args.limit] if args.limit else rows
    unlabelled = unlabelled_plates()
    pipeline.process(np.zeros((720, 1280, 3), np.uint8))  # warm up
    found = exact = false_reads = other_reads = 0
    records: list[dict[str, object]] = []
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
        others = unlabelled.get((args.folder.name, row["image"]), np.zeros((0, 4)))
        on_other = [False] * len(texts)
        if len(others) and len(boxes):
            on_other = list(iou(others, boxes).max(axis=0) >= 0.3)
        wrong = [bool(o) for t, o in zip(texts, on_other, strict=True) if t and t != truth]
        other_reads += sum(wrong)
        false_reads += len(wrong) - sum(wrong)
        records.append(
            {
                "image": row["image"],
                "truth": truth,
                "found": hit is not None,
                "exact": truth in texts,
                "reads": [
                    {
                        "text": t,
                        "confidence": round(p.read.confidence, 3) if p.read else None,
                        "box": list(p.box),
                        "iou": round(float(o), 2),
                    }
                    for t, p, o in zip(texts, result.plates, overlaps, strict=True)
                ],
            }
        )
        if result.plates:  # the first plate as the pipeline reads it (every crop margin)
            t0 = time.perf_counter()
            read_boxes(reader, image, [np.array(result.plates[0].box, np.float32)])
            read_ms.append((time.perf_counter() - t0) * 1000)
    n = len(rows)
    figures = {
        "set": args.folder.name,
        "images": n,
        "grammar": args.grammar,
        "held_out_only": args.held_out_only,
        "half": args.half,
        "plate_recall": round(found / n, 4),
        "exact_reads": round(exact / n, 4),
        "false_reads_per_image": round(false_reads / n, 4),
        "other_reads_per_image": round(other_reads / n, 4),
        "median_ms_per_frame": round(statistics.median(frame_ms), 1),
        "median_ms_per_plate_read": round(statistics.median(read_ms), 1) if read_ms else None,
        "models": pipeline.provenance,
    }
    print(json.dumps(figures, indent=2))
    out = args.out or Path("bench/results") / f"alpr-{args.folder.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))
    if args.records:
        args.records.write_text(json.dumps(records, indent=1))


def in_half(image: Path) -> str:
    """A fixed split of a set's photos into halves by a hash of the file name."""
    from detection.splits import alpr_half

    return alpr_half(image)


def unlabelled_plates() -> dict[tuple[str, str], np.ndarray]:
    """Real plates the sets leave unlabelled, checked by eye: (set, image) → their boxes."""
    boxes: dict[tuple[str, str], list[list[float]]] = {}
    with open(Path(__file__).with_name("alpr_unlabelled_plates.csv"), newline="") as fh:
        for r in csv.DictReader(fh):
            box = [float(r[k]) for k in ("x1", "y1", "x2", "y2")]
            boxes.setdefault((r["set"], r["image"]), []).append(box)
    return {key: np.array(b, np.float32) for key, b in boxes.items()}


if __name__ == "__main__":
    main()
