"""The fixed splits of the real photo sets into a part that may be tuned and trained on and a part
that only measures (the benches and `tvp models train-rec` share them)."""

from __future__ import annotations

import hashlib
from pathlib import Path

VN_REAL_TUNE_DIGITS = "012345"


def vn_real_part(sha256: str) -> str:
    """vn_real_dev: a photo whose sha256 starts with a hex digit below 6 is "tune", else "held-out"."""
    return "tune" if sha256[0].lower() in VN_REAL_TUNE_DIGITS else "held-out"


def alpr_half(image: Path) -> str:
    """The OpenALPR sets: "tune" or "check", by a hash of the file name."""
    return "tune" if hashlib.sha256(image.name.encode()).digest()[0] % 2 == 0 else "check"
