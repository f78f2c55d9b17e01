"""Grammar-constrained decoding: choose the most probable valid Vietnamese plate given the recogniser's
per-character probabilities.

Each printed row has a few possible shapes (digits, series letters, province codes). For every shape of
the right length, each position takes its most probable *allowed* character, so a letter read at a
digit position becomes the most probable digit there (B→8, D→0, …) and vice versa; positions where
both letters and digits are legal (the motorbike series' second character) are never forced. The
shape with the highest likelihood wins. Up to two surplus characters at the row ends (rim, emblem,
screws) may be dropped, at a cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from ocr.recognizer import SYMBOLS, Slot

DIGITS = "0123456789"
SERIES = "ABCDEFGHKLMNPSTUVXYZ"  # no I J O Q R W
SECOND_MOTO = SERIES + "R"
NONZERO = "123456789"
SPECIAL_PAIRS = ("RM", "HC", "KT", "CD", "LD", "DA", "MK", "TD", "CT", "LB")
PROVINCES = tuple(f"{n:02d}" for n in range(10, 100) if n not in (10, 13, 42, 44, 45, 46, 87, 91, 96))
DROP_PENALTY = math.log(0.05)

# A shape is a tuple of position classes; "PP" is a province code, "S2" a special two-letter series,
# "MD" the electric-motorbike series.
Shape = tuple[str, ...]
ONE_LINE: tuple[Shape, ...] = (
    ("PP", "L", "D", "D", "D", "D", "D"),
    ("PP", "L", "D", "D", "D", "D"),
    ("PP", "S2", "D", "D", "D", "D", "D"),
    ("PP", "S2", "D", "D", "D", "D"),
)
TOP_ROW: tuple[Shape, ...] = (
    ("PP", "L"),  # car short plate: 51G
    ("PP", "S2"),  # 51LD
    ("PP", "L", "N"),  # motorbike 59-X1
    ("PP", "L", "L2"),  # motorbike 29-AB
    ("PP", "MD", "N"),  # electric 29-MĐ1
    ("PP", "MD"),
)
MOTORBIKE_TOP_ROW = tuple(shape for shape in TOP_ROW if len(shape) == 3)
BOTTOM_ROW: tuple[Shape, ...] = (("D", "D", "D", "D", "D"), ("D", "D", "D", "D"))
CLASS_CHARS = {"D": DIGITS, "L": SERIES, "L2": SECOND_MOTO, "N": NONZERO}
_INDEX = {c: i for i, c in enumerate(SYMBOLS)}


@dataclass(frozen=True)
class RowRead:
    text: str
    char_conf: tuple[float, ...]
    log_likelihood: float
    shape: Shape
    raw: str

    @property
    def mean_log(self) -> float:
        return self.log_likelihood / max(1, len(self.text))


def _log(p: float) -> float:
    return math.log(max(p, 1e-6))


def _choose(slot: Slot, chars: str) -> tuple[str, float]:
    probs = slot.probs
    best = max(chars, key=lambda c: probs[_INDEX[c]])
    return best, float(probs[_INDEX[best]])


def _choose_pair(a: Slot, b: Slot, pairs: Sequence[str]) -> tuple[str, float, float]:
    pa, pb = a.probs, b.probs
    best = max(pairs, key=lambda s: pa[_INDEX[s[0]]] * pb[_INDEX[s[1]]])
    return best, float(pa[_INDEX[best[0]]]), float(pb[_INDEX[best[1]]])


def _width(shape: Shape) -> int:
    return sum(2 if cls in ("PP", "S2", "MD") else 1 for cls in shape)


def fit_shape(slots: Sequence[Slot], shape: Shape) -> RowRead:
    text, conf, i = [], [], 0
    for cls in shape:
        if cls in ("PP", "S2", "MD"):
            pairs = PROVINCES if cls == "PP" else (SPECIAL_PAIRS if cls == "S2" else ("MD",))
            pair, c1, c2 = _choose_pair(slots[i], slots[i + 1], pairs)
            text.append(pair)
            conf += [c1, c2]
            i += 2
        else:
            ch, c = _choose(slots[i], CLASS_CHARS[cls])
            text.append(ch)
            conf.append(c)
            i += 1
    raw = "".join(s.best for s in slots)
    return RowRead("".join(text), tuple(conf), sum(_log(c) for c in conf), shape, raw)


def decode_row(slots: Sequence[Slot], shapes: Sequence[Shape], max_drop: int = 2) -> RowRead | None:
    """The most likely reading of one row among ``shapes``; None when nothing fits."""
    chars = [s for s in slots if s.best not in "-."]
    best: RowRead | None = None
    for shape in shapes:
        n = _width(shape)
        surplus = len(chars) - n
        if surplus < 0 or surplus > max_drop:
            continue
        for kept in _drop_candidates(len(chars), surplus):
            read = fit_shape([chars[i] for i in kept], shape)
            score = read.log_likelihood + surplus * DROP_PENALTY
            if best is None or score > best.log_likelihood:
                best = RowRead(read.text, read.char_conf, score, shape, read.raw)
    return best


def _drop_candidates(n: int, surplus: int) -> list[tuple[int, ...]]:
    if surplus == 0:
        return [tuple(range(n))]
    # Junk characters come from the rim, screws and emblem: at the row ends.
    ends = [i for i in range(n) if i < surplus or i >= n - surplus]
    return [tuple(i for i in range(n) if i not in drop) for drop in combinations(ends, surplus)]
