"""Plate reading on generated VN plate crops (one- and two-line, white/yellow/blue, degraded).

.venv/bin/python bench/ocr_crops.py [--count 500] [--seed 99] [--min-width 90] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=99)
    parser.add_argument("--min-width", type=int, default=90)
    parser.add_argument("--max-width", type=int, default=260)
    parser.add_argument("--out", type=Path, default=Path("bench/results/ocr-crops.json"))
    args = parser.parse_args()

    from ocr.reader import PPOCRPlateReader
    from ocr.render import degrade, random_spec, render_plate

    rng = random.Random(args.seed)
    reader = PPOCRPlateReader()
    reader.warmup()
    by_layout: Counter[str] = Counter()
    ok_layout: Counter[str] = Counter()
    times: list[float] = []
    errors: list[dict[str, str | None]] = []
    by_damage: Counter[str] = Counter()
    ok_damage: Counter[str] = Counter()
    for _ in range(args.count):
        spec = random_spec(rng)
        applied: set[str] = set()
        crop = degrade(
            render_plate(spec),
            rng,
            target_width=rng.randint(args.min_width, args.max_width),
            applied=applied,
        )
        started = time.perf_counter()
        read = reader.read(crop)
        times.append((time.perf_counter() - started) * 1000)
        by_layout[spec.layout.value] += 1
        damage = "dirt" if "dirt" in applied else "no dirt"
        by_damage[damage] += 1
        if read is not None and read.compact == spec.plate.compact:
            ok_layout[spec.layout.value] += 1
            ok_damage[damage] += 1
        elif len(errors) < 20:
            errors.append({"truth": spec.plate.display, "read": read.text if read else None})
    figures = {
        "crops": args.count,
        "seed": args.seed,
        "widths": [args.min_width, args.max_width],
        "exact": round(sum(ok_layout.values()) / args.count, 4),
        "exact_by_layout": {k: round(ok_layout[k] / n, 4) for k, n in sorted(by_layout.items())},
        # dirt is opaque grey blobs that can hide a whole character
        "exact_by_dirt": {k: round(ok_damage[k] / n, 4) for k, n in sorted(by_damage.items())},
        "crops_by_dirt": dict(sorted(by_damage.items())),
        "median_ms_per_plate": round(statistics.median(times), 2),
        "errors": errors,
    }
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
