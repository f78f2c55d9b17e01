"""Full-frame plate reading on the real Vietnamese photos in ../shared/datasets/vn_real_dev.

    nice -n 10 .venv/bin/python bench/vn_real.py [--folder PATH] [--part all|tune|held-out]
                                                 [--out bench/results/vn_real.json] [--errors]

Each photo goes through ``PlatePipeline.process`` (vehicles, plates, reads) as in ``tvp plates read``.
Figures, for the "tune" part, the "held-out" part and all photos, overall and per layout:
- exact: readable plates whose compact text (letters and digits) is among the photo's reads;
- false reads per image: reads that match no labelled plate of the photo, not counting reads whose
  box overlaps a plate labelled unreadable (readable=0);
- ms per photo (median) and per-plate read time: the median over labelled plate boxes (with the
  pipeline's margin) of ``reader.read``'s best of ``--repeats`` runs (the machine is shared: the best
  run is the one least slowed by other work), and per plate read the recogniser's runs, lines and
  padded input columns (48 px high).

The split is fixed by the image bytes: a photo whose sha256 (image_meta.csv) starts with a hex digit
below 6 (6 of 16, ~3/8) is "tune" — the only part that may be looked at or trained on — the rest is
"held-out".
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "vn_real_dev"
LAYOUTS = ("car_1line", "car_2line", "moto_2line", "other")


@dataclass(frozen=True)
class Plate:
    text: str  # compact, empty when unreadable
    box: tuple[int, int, int, int]
    layout: str


def compact(text: str) -> str:
    return "".join(ch for ch in text.upper().replace("Đ", "D") if ch.isalnum())


def part_of(sha256: str) -> str:
    from detection.splits import vn_real_part

    return vn_real_part(sha256)


def load(folder: Path) -> tuple[dict[str, list[Plate]], dict[str, str]]:
    if not (folder / "labels.csv").exists():
        raise SystemExit(f"{folder}/labels.csv not found (../shared/datasets/vn_real_dev beside the repo)")
    plates: dict[str, list[Plate]] = defaultdict(list)
    with open(folder / "labels.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            box = (int(r["x1"]), int(r["y1"]), int(r["x2"]), int(r["y2"]))
            text = compact(r["plate_text"]) if r["readable"] == "1" else ""
            plates[r["image"]].append(Plate(text, box, r["layout"]))
    with open(folder / "image_meta.csv", newline="") as fh:
        parts = {r["image"]: part_of(r["sha256"]) for r in csv.DictReader(fh)}
    return plates, parts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--part", choices=["all", "tune", "held-out"], default="all")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("bench/results/vn_real.json"))
    parser.add_argument("--errors", action="store_true", help="print each missed plate and false read")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each timed plate read (best kept)")
    args = parser.parse_args()
    os.environ.setdefault("TVP_ENV", "dev")

    from detection.images import load_image
    from detection.pipeline import PlatePipeline, expand_box
    from detection.splits import VN_REAL_TUNE_DIGITS
    from detection.types import iou

    labels, parts = load(args.folder)
    images = sorted(im for im in labels if args.part == "all" or parts[im] == args.part)
    images = images[: args.limit] if args.limit else images
    pipeline = PlatePipeline()
    pipeline.process(np.zeros((720, 1280, 3), np.uint8))  # warm up
    per_image: list[dict] = []
    read_ms: list[float] = []
    recogniser = getattr(pipeline.reader, "recognizer", None)
    work = {"runs": 0, "lines": 0, "columns": 0}
    for name in images:
        image = load_image(args.folder / name)
        started = time.perf_counter()
        result = pipeline.process(image)
        ms = (time.perf_counter() - started) * 1000
        truths = labels[name]
        reads = [(p.read.compact, p.box) for p in result.plates if p.read is not None]
        read_texts = {t for t, _ in reads}
        known = {p.text for p in truths if p.text}
        unreadable = np.array([p.box for p in truths if not p.text], np.float32).reshape(-1, 4)
        false = [
            t
            for t, box in reads
            if t not in known
            and not (len(unreadable) and iou(np.array([box], np.float32), unreadable).max() > 0.3)
        ]
        per_image.append(
            {
                "image": name,
                "part": parts[name],
                "ms": ms,
                "plates": [(p.layout, p.text in read_texts) for p in truths if p.text],
                "false": false,
            }
        )
        if args.errors:
            missed = [p.text for p in truths if p.text and p.text not in read_texts]
            if missed or false:
                print(f"{name} [{parts[name]}] missed={missed} false={false} reads={sorted(read_texts)}")
        for p in truths:
            if p.text:
                x1, y1, x2, y2 = expand_box(np.array(p.box, np.float32), image.shape, 0.04, 0.08).astype(int)
                runs = []
                for _ in range(max(1, args.repeats)):
                    t0 = time.perf_counter()
                    pipeline.reader.read(image[y1:y2, x1:x2])
                    runs.append((time.perf_counter() - t0) * 1000)
                read_ms.append(min(runs))
                if recogniser is not None:
                    session = recogniser.session
                    recogniser.session = _CountingSession(session, work)
                    pipeline.reader.read(image[y1:y2, x1:x2])
                    recogniser.session = session
    figures = {
        "set": args.folder.name,
        "split": f"sha256 first hex digit in {VN_REAL_TUNE_DIGITS!r} → tune, else held-out",
        "parts": {
            part: summarise([r for r in per_image if part == "all" or r["part"] == part])
            for part in ("held-out", "tune", "all")
        },
        "median_ms_per_plate_read": round(statistics.median(read_ms), 1) if read_ms else None,
        "recogniser_per_plate_read": {k: round(v / max(1, len(read_ms)), 2) for k, v in work.items()},
        "models": pipeline.provenance,
    }
    print(json.dumps({k: v for k, v in figures.items() if k != "models"}, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2))


class _CountingSession:
    """The recogniser's onnxruntime session, counting runs, lines and padded input columns (work that
    does not depend on how busy the machine is)."""

    def __init__(self, session: Any, work: dict[str, int]):
        self._session, self._work = session, work

    def run(self, outputs: Any, feeds: dict[str, np.ndarray]) -> Any:
        batch = next(iter(feeds.values()))
        self._work["runs"] += 1
        self._work["lines"] += batch.shape[0]
        self._work["columns"] += batch.shape[0] * batch.shape[3]
        return self._session.run(outputs, feeds)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def summarise(rows: list[dict]) -> dict:
    if not rows:
        return {"images": 0}
    plates = [p for r in rows for p in r["plates"]]
    by_layout = {
        layout: _rate([ok for lay, ok in plates if lay == layout])
        for layout in LAYOUTS
        if any(lay == layout for lay, _ in plates)
    }
    return {
        "images": len(rows),
        "readable_plates": len(plates),
        "exact": _rate([ok for _, ok in plates]),
        "false_reads_per_image": round(sum(len(r["false"]) for r in rows) / len(rows), 3),
        "per_layout": by_layout,
        "median_ms_per_photo": round(statistics.median(r["ms"] for r in rows), 1),
    }


def _rate(oks: list[bool]) -> dict:
    return {"plates": len(oks), "read": sum(oks), "exact": round(sum(oks) / max(1, len(oks)), 4)}


if __name__ == "__main__":
    main()
