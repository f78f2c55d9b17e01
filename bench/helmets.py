"""The helmet detector on helmet_dev's held-out real photos (never trained on): run on each labelled
motorbike's rider crop, as the camera loop will run it (the motorbike boxes are helmet_dev's own here,
not the vehicle detector's).

- no-helmet recall: labelled bare heads (on a labelled motorbike) matched by a head called no-helmet
  at the operating threshold; false no-helmet rate: labelled helmeted heads called no-helmet. Also a
  sweep of the threshold.
- rider count exact, where riders are separable: motorbikes whose rider crop overlaps no other
  labelled motorbike's crop and holds no labelled head that is on no motorbike (in dense traffic
  the unlabelled motorbikes' riders would be counted on a labelled one).
- the operating no-helmet threshold is chosen WITHOUT held-out: on the training run's val photos
  (``helmet_train.val_photo``: part of the training part, never trained on), as the threshold with the
  highest no-helmet recall at ≤ ``TUNE_MAX_FALSE`` false no-helmet calls there; held-out is reported at
  ``--threshold`` (the shipped ``NO_HELMET_THRESHOLD``) and at that tuned threshold.
- ms per motorbike crop (the crops of one photo in one run), on this machine's CPUs; ``--inputs``:
  the crops packed side by side in one input (as the camera loop runs them) or each padded to a square
  in a batch (the old way, for comparison).

    nice -n 10 .venv/bin/python bench/helmets.py [--quick] [--data FOLDER] [--out JSON]

Writes bench/results/helmets.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from detection.helmet_data import HelmetImage, read_helmet_dev, rider_crop, split  # noqa: E402
from detection.helmet_train import val_photo  # noqa: E402
from detection.helmets import (  # noqa: E402
    CROP_IMGSZ,
    HEAD_CLASSES,
    MIN_CLEAR_CONFIDENCE,
    NO_HELMET_THRESHOLD,
    HelmetDetector,
    assign_heads,
    dedupe_indices,
    riders_per_motorbike,
)
from detection.types import Detections, iou  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "helmet_dev"
MATCH_IOU = 0.3  # head boxes are small: a third of overlap is the same head
BARE_SWEEP = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)  # the no-helmet score that calls a head bare
COUNT_SWEEP = (0.25, 0.3, 0.4, 0.5)  # the head confidence that counts a rider
TUNE_GRID = tuple(round(0.05 + 0.01 * i, 2) for i in range(76))  # 0.05 … 0.80
TUNE_MAX_FALSE = 0.05


def truth(item: HelmetImage) -> tuple[Detections, np.ndarray]:
    heads = Detections(
        np.array([h.box for h in item.heads], np.float32).reshape(-1, 4),
        np.ones(len(item.heads), np.float32),
        np.array([1 if h.helmet else 2 for h in item.heads], np.int64),
        ("motorbike", "head_helmet", "head_no_helmet"),
    )
    return heads, np.array([m.box for m in item.motorbikes], np.float32).reshape(-1, 4)


def match(found: Detections, labelled: Detections) -> list[int | None]:
    """For each labelled head, the index of the found head matched to it (greedy by IoU), or None."""
    overlaps = iou(labelled.xyxy, found.xyxy)
    out: list[int | None] = [None] * len(labelled)
    taken: set[int] = set()
    for flat in np.argsort(-overlaps, axis=None):
        i, j = divmod(int(flat), max(1, len(found)))
        if overlaps[i, j] < MATCH_IOU:
            break
        if out[i] is None and j not in taken:
            out[i], taken = j, taken | {j}
    return out


def separable(item: HelmetImage, bikes: np.ndarray, labelled: Detections) -> list[bool]:
    from PIL import Image

    w, h = Image.open(item.image).size
    crops = [rider_crop((float(b[0]), float(b[1]), float(b[2]), float(b[3])), w, h) for b in bikes]
    on_bike = {i for group in assign_heads(labelled, bikes) for i in group}
    loose = [labelled.xyxy[i] for i in range(len(labelled)) if i not in on_bike]
    out = []
    for k, (x1, y1, x2, y2) in enumerate(crops):
        alone = all(
            min(x2, c[2]) <= max(x1, c[0]) or min(y2, c[3]) <= max(y1, c[1])
            for j, c in enumerate(crops)
            if j != k
        )
        no_loose = all(not (x1 <= (b[0] + b[2]) / 2 <= x2 and y1 <= (b[1] + b[3]) / 2 <= y2) for b in loose)
        out.append(alone and no_loose)
    return out


def run(items: list[HelmetImage], detector: HelmetDetector, thresholds: list[float]) -> dict[str, Any]:
    from detection.images import load_image

    heads_scored: list[tuple[bool, float | None]] = []  # (labelled helmet, its no-helmet score or None)
    counts: list[tuple[int, dict[float, int]]] = []
    crop_ms: list[float] = []
    n_crops = 0
    loose_heads = 0
    frame = load_image(items[0].image)
    detector.heads(frame, truth(items[0])[1])  # open the session before timing
    for item in items:
        labelled, bikes = truth(item)
        if not len(bikes):
            loose_heads += len(labelled)
            continue
        frame = load_image(item.image)
        began = time.perf_counter()
        found, scores = detector.scored_heads(frame, bikes)
        crop_ms.append((time.perf_counter() - began) * 1000)
        n_crops += len(bikes)
        heads = [i for i in range(len(found)) if found.name(i) in HEAD_CLASSES]
        kept = [heads[k] for k in dedupe_indices(found[heads])]
        found, scores = found[kept], scores[kept]
        on_bike = sorted(i for group in assign_heads(labelled, bikes) for i in group)
        loose_heads += len(labelled) - len(on_bike)
        pairs = match(found, labelled)
        for i in on_bike:
            j = pairs[i]
            heads_scored.append((labelled.name(i) == "head_helmet", None if j is None else float(scores[j])))
        gt = riders_per_motorbike(labelled, bikes)
        for k, ok in enumerate(separable(item, bikes, labelled)):
            if ok:
                by_threshold = {
                    t: riders_per_motorbike(found[found.confidence >= t], bikes)[k].count for t in thresholds
                }
                counts.append((gt[k].count, by_threshold))
    return {
        "heads": heads_scored,
        "counts": counts,
        "crops": n_crops,
        "ms": crop_ms,
        "heads_on_no_labelled_motorbike": loose_heads,
    }


def calls(heads: Sequence[tuple[bool, float | None]], t: float) -> dict[str, Any]:
    """No-helmet recall and false no-helmet rate of scored heads (labelled helmet?, no-helmet score)
    when a score ≥ ``t`` calls a head bare."""
    bare = [h for h in heads if not h[0]]
    helmeted = [h for h in heads if h[0]]
    recall = sum(1 for h in bare if h[1] is not None and h[1] >= t) / max(1, len(bare))
    false = sum(1 for h in helmeted if h[1] is not None and h[1] >= t) / max(1, len(helmeted))
    return {
        "no_helmet_threshold": t,
        "no_helmet_recall": round(recall, 3),
        "false_no_helmet_rate": round(false, 3),
    }


def tune_threshold(heads: Sequence[tuple[bool, float | None]], max_false: float = TUNE_MAX_FALSE) -> float:
    """The threshold of ``TUNE_GRID`` with the highest no-helmet recall at ≤ ``max_false`` false calls
    (of equals, the highest threshold); the grid's top where none keeps under ``max_false``."""
    ok = [calls(heads, t) for t in TUNE_GRID if calls(heads, t)["false_no_helmet_rate"] <= max_false]
    if not ok:
        return TUNE_GRID[-1]
    best = max(ok, key=lambda row: (row["no_helmet_recall"], row["no_helmet_threshold"]))
    return float(best["no_helmet_threshold"])


def summarise(raw: dict[str, Any], bare_threshold: float, head_threshold: float) -> dict[str, Any]:
    heads, counts = raw["heads"], raw["counts"]
    bare = [h for h in heads if not h[0]]
    helmeted = [h for h in heads if h[0]]

    def count(t: float) -> dict[str, Any]:
        exact = sum(1 for gt, by in counts if by[t] == gt) / max(1, len(counts))
        return {"head_confidence": t, "rider_count_exact": round(exact, 3)}

    total_ms = sum(raw["ms"])
    return {
        "operating": {**calls(heads, bare_threshold), **count(head_threshold)},
        "no_helmet_sweep": [calls(heads, t) for t in BARE_SWEEP],
        "count_sweep": [count(t) for t in COUNT_SWEEP],
        "labelled_heads_scored": {"no_helmet": len(bare), "helmet": len(helmeted)},
        "heads_found_any_class": round(sum(1 for h in heads if h[1] is not None) / max(1, len(heads)), 3),
        "heads_on_no_labelled_motorbike_not_scored": raw["heads_on_no_labelled_motorbike"],
        "separable_motorbikes": len(counts),
        "separable_by_riders": {
            n: sum(1 for gt, _ in counts if gt == n) for n in sorted({c[0] for c in counts})
        },
        "crops": raw["crops"],
        "ms_per_crop": round(total_ms / max(1, raw["crops"]), 2),
        "ms_per_photo_median": round(float(np.median(raw["ms"])), 2) if raw["ms"] else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 12 held-out photos, one precision")
    parser.add_argument("--imgsz", type=int, default=CROP_IMGSZ, help="the crops' input size")
    parser.add_argument("--threshold", type=float, default=NO_HELMET_THRESHOLD, help="no-helmet score call")
    parser.add_argument(
        "--head-confidence", type=float, default=MIN_CLEAR_CONFIDENCE, help="a head counts as a rider"
    )
    parser.add_argument("--precision", choices=["auto", "fp32", "int8"], nargs="+", default=["fp32", "int8"])
    parser.add_argument("--inputs", choices=["packed", "square"], default="packed")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "helmets.json")
    args = parser.parse_args()
    if not (args.data / "labels.csv").exists():
        print(f"no helmet_dev at {args.data} (labels.csv)", file=sys.stderr)
        return 2
    parts = split(read_helmet_dev(args.data))
    items = parts["held-out"]
    tune_items = [item for item in parts["train"] if val_photo(item.image.name)]
    precisions = args.precision
    if args.quick:
        items, tune_items, precisions = items[:12], tune_items[:6], precisions[:1]
    load_at_start = os.getloadavg()[0]
    results: dict[str, Any] = {
        "quick": args.quick,
        "held_out_photos": len(items),
        "tune_photos": len(tune_items),
        "imgsz": args.imgsz,
        "inputs": args.inputs,
        "no_helmet_threshold": args.threshold,
        "head_confidence": args.head_confidence,
        "machine": {"cpus": os.cpu_count(), "load_1min_at_start": round(load_at_start, 2)},
    }
    from core.config import reset_settings
    from detection.models import resolve

    for precision in precisions:
        os.environ["TVP_MODEL_PRECISION"] = precision
        reset_settings()
        resolve.cache_clear()
        detector = HelmetDetector(
            imgsz=args.imgsz,
            conf=min((*COUNT_SWEEP, args.head_confidence)),
            no_helmet_threshold=min(BARE_SWEEP),
            packed=args.inputs == "packed",
        )
        thresholds = sorted({*COUNT_SWEEP, args.head_confidence})
        tune_heads = run(tune_items, detector, thresholds)["heads"]
        tuned = tune_threshold(tune_heads)
        raw = run(items, detector, thresholds)
        summary = summarise(raw, args.threshold, args.head_confidence)
        summary["tune"] = {
            "photos": len(tune_items),
            "labelled_heads_scored": {
                "no_helmet": sum(1 for h in tune_heads if not h[0]),
                "helmet": sum(1 for h in tune_heads if h[0]),
            },
            "max_false_no_helmet_rate": TUNE_MAX_FALSE,
            "chosen": calls(tune_heads, tuned),
            "held_out_at_chosen": calls(raw["heads"], tuned),
        }
        summary["model"] = detector.detector.model.provenance
        results[precision] = summary
        op = summary["operating"]
        print(
            f"{precision:>5}: no-helmet recall {op['no_helmet_recall']:.1%} at "
            f"{op['false_no_helmet_rate']:.1%} false no-helmet (score {args.threshold}); "
            f"rider count exact {op['rider_count_exact']:.1%} "
            f"on {summary['separable_motorbikes']} separable motorbikes; {summary['ms_per_crop']} ms per crop"
        )
        at = summary["tune"]["held_out_at_chosen"]
        print(
            f"       threshold tuned on {len(tune_items)} val photos (not held-out): {tuned}; held-out: "
            f"recall {at['no_helmet_recall']:.1%} at {at['false_no_helmet_rate']:.1%} false"
        )
    results["machine"]["load_1min_at_end"] = round(os.getloadavg()[0], 2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
