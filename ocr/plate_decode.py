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
from functools import cache
from itertools import combinations

import numpy as np

from ocr.recognizer import SYMBOLS, Slot

DIGITS = "0123456789"
SERIES = "ABCDEFGHKLMNPSTUVXYZ"  # no I J O Q R W
SECOND_MOTO = SERIES + "R"
NONZERO = "123456789"
SPECIAL_PAIRS = ("RM", "HC", "KT", "CD", "LD", "DA", "MK", "TD", "CT", "LB")
FOREIGN_PAIRS = ("NG", "NN", "CV", "QT")
MILITARY_PAIRS = tuple(a + b for a in "ABCDHKPQTV" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
PROVINCES = tuple(f"{n:02d}" for n in range(10, 100) if n not in (10, 13, 42, 44, 45, 46, 87, 91, 96))
DROP_PENALTY = math.log(0.05)

# A shape is a tuple of position classes; "PP" is a province code, "S2" a special two-letter series,
# "MD" the electric-motorbike series, "FS" a diplomatic/foreign series (NG, NN, CV, QT), "ML" an army
# series (TM, KA, BH, …).
Shape = tuple[str, ...]
ONE_LINE: tuple[Shape, ...] = (
    ("PP", "L", "D", "D", "D", "D", "D"),
    ("PP", "L", "D", "D", "D", "D"),
    ("PP", "S2", "D", "D", "D", "D", "D"),
    ("PP", "S2", "D", "D", "D", "D"),
    ("PP", "D", "D", "D", "FS", "D", "D"),  # 80-441-NG-02
    ("PP", "D", "D", "D", "FS", "D", "D", "D"),
    ("PP", "FS", "D", "D", "D", "D", "D"),  # 80-NG-631-60
    ("ML", "D", "D", "D", "D"),  # TM-23-66
)
TOP_ROW: tuple[Shape, ...] = (
    ("PP", "L"),  # car short plate: 51G
    ("PP", "S2"),  # 51LD
    ("PP", "L", "N"),  # motorbike 59-X1
    ("PP", "L", "L2"),  # motorbike 29-AB
    ("PP", "MD", "N"),  # electric 29-MĐ1
    ("PP", "MD"),
    ("PP", "D", "D", "D"),  # diplomatic 80-441 / NG-02
    ("PP", "FS"),  # diplomatic 80-NG / 631.60
    ("ML",),  # army TM / 23-66
)
BOTTOM_ROW: tuple[Shape, ...] = (
    ("D", "D", "D", "D", "D"),
    ("D", "D", "D", "D"),
    ("FS", "D", "D"),
    ("FS", "D", "D", "D"),
)
# Two-letter motorbike series are few next to letter+digit ones, and Z/2, B/8, S/5 look alike there.
SHAPE_PRIOR: dict[Shape, float] = {("PP", "L", "L2"): math.log(0.25)}
_PAIRS = {"PP": PROVINCES, "S2": SPECIAL_PAIRS, "MD": ("MD",), "FS": FOREIGN_PAIRS, "ML": MILITARY_PAIRS}
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


@cache
def _columns(chars: str) -> np.ndarray:
    return np.array([_INDEX[c] for c in chars])


@cache
def _pair_columns(pairs: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([_INDEX[p[0]] for p in pairs]), np.array([_INDEX[p[1]] for p in pairs])


def _choose(slot: Slot, chars: str) -> tuple[str, float]:
    """The most probable of ``chars`` (the first on a tie)."""
    allowed = slot.probs[_columns(chars)]
    best = int(allowed.argmax())
    return chars[best], float(allowed[best])


def _choose_pair(a: Slot, b: Slot, pairs: Sequence[str]) -> tuple[str, float, float]:
    """The most probable of ``pairs`` (the first on a tie); 83 provinces, 260 army series: vectorised."""
    first, second = _pair_columns(tuple(pairs))
    pa, pb = a.probs[first], b.probs[second]
    best = int((pa * pb).argmax())
    return pairs[best], float(pa[best]), float(pb[best])


def _width(shape: Shape) -> int:
    return sum(2 if cls in _PAIRS else 1 for cls in shape)


def fit_shape(slots: Sequence[Slot], shape: Shape) -> RowRead:
    text, conf, i = [], [], 0
    for cls in shape:
        if cls in _PAIRS:
            pair, c1, c2 = _choose_pair(slots[i], slots[i + 1], _PAIRS[cls])
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
    options = row_options(slots, shapes, max_drop)
    return options[0] if options else None


def row_options(slots: Sequence[Slot], shapes: Sequence[Shape], max_drop: int = 2) -> list[RowRead]:
    """The best reading of one row in each shape that fits, most likely first."""
    chars = [s for s in slots if s.best not in "-."]
    options: list[RowRead] = []
    for shape in shapes:
        n = _width(shape)
        surplus = len(chars) - n
        special = any(cls in ("FS", "ML") for cls in shape)
        if surplus < 0 or surplus > (0 if special else max_drop):
            continue
        best: RowRead | None = None
        for kept in _drop_candidates(len(chars), surplus):
            if not _special_series_seen([chars[i] for i in kept], shape):
                continue
            read = fit_shape([chars[i] for i in kept], shape)
            score = read.log_likelihood + surplus * DROP_PENALTY + SHAPE_PRIOR.get(shape, 0.0)
            if best is None or score > best.log_likelihood:
                best = RowRead(read.text, read.char_conf, score, shape, read.raw)
        if best is not None:
            options.append(best)
    return sorted(options, key=lambda r: r.log_likelihood, reverse=True)


def _special_series_seen(slots: Sequence[Slot], shape: Shape) -> bool:
    """Diplomatic and army series are rare: their letters must be what the recogniser saw, not
    digits forced into letters (a motorbike's "14-F6" misread as "AF"); nor are characters dropped
    to fit them (a cut-off "51F-552.95" is no army "TF-55-29")."""
    i = 0
    for cls in shape:
        if cls in ("FS", "ML") and not (slots[i].best.isalpha() and slots[i + 1].best.isalpha()):
            return False
        i += 2 if cls in _PAIRS else 1
    return True


def _drop_candidates(n: int, surplus: int) -> list[tuple[int, ...]]:
    if surplus == 0:
        return [tuple(range(n))]
    # Junk characters come from the rim, screws and emblem: at the row ends.
    ends = [i for i in range(n) if i < surplus or i >= n - surplus]
    return [tuple(i for i in range(n) if i not in drop) for drop in combinations(ends, surplus)]
