"""The labelled real photographs in ../shared/datasets (read in place, never copied)."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("TVP_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))


@dataclass(frozen=True)
class Labelled:
    image: Path
    text: str
    box: tuple[int, int, int, int]


def _require(path: Path) -> Path:
    """The file, or the test fails (in CI) or is skipped (elsewhere) when ../shared is not there."""
    if not path.exists():
        if os.environ.get("CI") or os.environ.get("TVP_TEST_REQUIRE_SERVICES"):
            pytest.fail(f"{path} not found: ../shared must sit beside the repository")
        pytest.skip(f"{path} not available")
    return path


def labelled(name: str) -> list[Labelled]:
    root = SHARED / "datasets" / name
    _require(root / "labels.csv")
    with open(root / "labels.csv", newline="") as fh:
        return [
            Labelled(
                root / r["image"],
                r["plate_text"].upper(),
                (int(r["x1"]), int(r["y1"]), int(r["x2"]), int(r["y2"])),
            )
            for r in csv.DictReader(fh)
        ]


def real_clip(name: str) -> Path:
    """A clip of ../shared/datasets/vn_real_footage, read in place."""
    return _require(SHARED / "datasets" / "vn_real_footage" / name)


def real_footage(clip: str) -> tuple[Path, dict]:
    """A clip of ../shared/datasets/vn_real_footage and its hand-made ground truth."""
    import json

    truth = json.loads(real_clip("ground_truth.json").read_text(encoding="utf-8"))
    return real_clip(clip), next(c for c in truth["clips"] if c["clip"] == clip)


def helmet_dev() -> Path:
    """../shared/datasets/helmet_dev (head boxes with and without helmets, motorbike boxes)."""
    root = SHARED / "datasets" / "helmet_dev"
    _require(root / "labels.csv")
    return root
