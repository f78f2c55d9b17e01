"""Generated VN full frames: synthetic VN plates composited into real photographs, written as a
labelled folder (images/ + labels.csv) that bench/alpr.py reads.

    .venv/bin/python bench/vn_frames.py OUT_FOLDER [--count 200] [--seed 7] [--photos FOLDER ...]

Only the photos that train-plates holds out (one in five) are used, so no frame of this set was trained on.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--photos", type=Path, nargs="*", default=None)
    args = parser.parse_args()

    from detection.images import load_image
    from detection.synth import composite
    from detection.train import held_out, read_labels

    folders = args.photos or sorted(p.parent for p in Path("../shared/datasets").glob("*/labels.csv"))
    photos = [item for folder in folders for item in read_labels(folder) if held_out(item.image)]
    rng = random.Random(args.seed)
    (args.out / "images").mkdir(parents=True, exist_ok=True)
    with open(args.out / "labels.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["image", "plate_text", "x1", "y1", "x2", "y2", "layout"])
        for i in range(args.count):
            src = rng.choice(photos)
            comp = composite(load_image(src.image), src.box, rng)
            name = f"images/vn{i:04d}.jpg"
            cv2.imwrite(str(args.out / name), comp.image, [cv2.IMWRITE_JPEG_QUALITY, 90])
            writer.writerow([name, comp.spec.plate.compact, *comp.box, comp.spec.layout.value])
    print(f"wrote {args.count} frames to {args.out}")


if __name__ == "__main__":
    main()
