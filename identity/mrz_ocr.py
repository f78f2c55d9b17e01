"""Reading the MRZ from a photo of the card back with the project's OCR engine (PP-OCRv4, the models in
rapidocr-onnxruntime).

The text detector finds the MRZ block; the block is deskewed and cut into its rows; each row into its 30
monospace cells. The recogniser reads about ten cells at a time (it drops characters on whole lines and
after runs of ``<``), each piece as photographed and contrast-stretched, and every piece is decoded to
exactly its number of characters, each position restricted to what the TD1 layout allows there (digits
in dates, numbers and check digits; letters in codes and names; ``<`` in fillers), look-alikes folded
only where the type forces it (O→0 in a date, 0→O in a name). That is the only "correction": the check
digits then decide whether the read is right.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from core.onnx import ort_session
from identity.errors import MRZError
from identity.mrz import LINE, parse_cccd_mrz
from identity.record import IdentityRecord
from ocr.recognizer import rapidocr_model
from ocr.text_detector import TextDetector, crop_quad, is_horizontal

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
FILL = "<"
REC_HEIGHT = 48
FRAME_WIDTH = 8  # input pixels per output frame of the PP-OCRv4 recogniser


def _layout() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Allowed characters at each position of the CCCD's three lines."""
    l1 = [LETTERS + FILL] * 2 + [LETTERS] * 3 + [DIGITS] * 10 + [DIGITS] * 12 + [FILL] * 2 + [DIGITS]
    l2 = [DIGITS] * 7 + ["MF<"] + [DIGITS] * 7 + [LETTERS] * 3 + [FILL] * 11 + [DIGITS]
    l3 = [LETTERS + FILL] * LINE
    return tuple(l1), tuple(l2), tuple(l3)


LAYOUT = _layout()


class MRZLineModel:
    """The stock PP-OCRv4 recogniser (its dictionary has ``<``), as frame probabilities over ALPHABET."""

    def __init__(self, model_path: Path | None = None, threads: int | None = None):
        self.model_path = Path(model_path) if model_path else rapidocr_model()
        self.threads = threads

    @cached_property
    def session(self) -> Any:
        return ort_session(self.model_path, self.threads)

    @cached_property
    def columns(self) -> np.ndarray:
        chars = self.session.get_modelmeta().custom_metadata_map["character"].splitlines()
        index = {c: i + 1 for i, c in enumerate(chars)}  # class 0 is the CTC blank
        return np.array([0] + [index[c] for c in ALPHABET])

    def frame_probs(self, images: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Each BGR line image → (frames, 1 + len(ALPHABET)) probabilities: blank first, renormalised."""
        if not images:
            return []
        widths = [max(8, math.ceil(REC_HEIGHT * im.shape[1] / max(1, im.shape[0]))) for im in images]
        batch = np.zeros((len(images), 3, REC_HEIGHT, max(widths)), np.float32)
        for i, (img, w) in enumerate(zip(images, widths, strict=True)):
            if img.ndim == 2:
                img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
            resized = cv2.resize(img, (w, REC_HEIGHT), interpolation=cv2.INTER_AREA).astype(np.float32)
            batch[i, :, :, :w] = (resized.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5
        preds = self.session.run(None, {self.session.get_inputs()[0].name: batch})[0]
        out = []
        for seq, w in zip(preds, widths, strict=True):
            frames = seq[: max(1, math.ceil(w / FRAME_WIDTH)), self.columns]
            out.append(frames / (frames.sum(axis=1, keepdims=True) + 1e-9))
        return out


# Look-alikes folded into the character a position's type allows (only there: a name keeps its O, a
# date its 0).
AS_LETTER = {"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"}
AS_DIGIT = {
    "O": "0",
    "D": "0",
    "Q": "0",
    "U": "0",
    "I": "1",
    "L": "1",
    "Z": "2",
    "S": "5",
    "G": "6",
    "B": "8",
}


def fold(probs: np.ndarray, allowed: str) -> np.ndarray:
    """Log-probabilities (frames × ALPHABET, blank excluded) of the symbols in ``allowed``, each with the
    mass of its look-alikes outside ``allowed`` added; -inf for symbols not allowed."""
    out = np.zeros((probs.shape[0], len(ALPHABET)), np.float64)
    for i, c in enumerate(ALPHABET):
        if c in allowed:
            out[:, i] += probs[:, 1 + i]
    for table in (AS_LETTER, AS_DIGIT):
        for src, dst in table.items():
            if dst in allowed and src not in allowed:
                out[:, ALPHABET.index(dst)] += probs[:, 1 + ALPHABET.index(src)]
    with np.errstate(divide="ignore"):
        logs = np.log(out)
    mask = np.array([c in allowed for c in ALPHABET])
    logs[:, ~mask] = -np.inf
    return logs


def greedy_text(probs: np.ndarray) -> str:
    best = probs.argmax(axis=1)
    chars, prev = [], 0
    for cls in best:
        if cls != prev and cls != 0:
            chars.append(ALPHABET[cls - 1])
        prev = cls
    return "".join(chars)


def constrained_decode(probs: np.ndarray, allowed: Sequence[str]) -> tuple[str, float] | None:
    """The most probable CTC path that emits exactly ``len(allowed)`` characters, the n-th one from
    ``allowed[n]`` (Viterbi over (characters emitted, current frame label)); None if the image has too
    few frames. Returns the text and its mean log-probability per frame."""
    n_chars, n_sym = len(allowed), len(ALPHABET)
    frames = probs.shape[0]
    blank_logp = np.log(probs[:, 0] + 1e-12)
    kinds = sorted(set(allowed))
    folded = np.stack([fold(probs, kind) for kind in kinds])  # kind × frames × symbols
    # row k: emission scores of the k-th character (1-based); row 0 never emits
    rows = np.array([0, *(kinds.index(a) for a in allowed)])
    neg = -np.inf
    blank = np.full(n_chars + 1, neg)  # score of "k chars emitted, current frame blank"
    sym = np.full((n_chars + 1, n_sym), neg)  # "k chars emitted, current frame is the k-th char"
    blank_from = np.zeros((frames, n_chars + 1), np.int16)  # -1: from blank, else from sym c
    sym_from = np.zeros((frames, n_chars + 1, n_sym), np.int16)  # -2 repeat, -1 from blank, else sym c
    for t in range(frames):
        b_prev, s_prev = blank, sym
        if t == 0:
            b_prev = np.full(n_chars + 1, neg)
            b_prev[0] = 0.0
            s_prev = np.full((n_chars + 1, n_sym), neg)
        # blank frame: stay at k, coming from blank or from the k-th char
        best_sym = s_prev.argmax(axis=1)
        best_sym_score = s_prev.max(axis=1)
        from_sym = best_sym_score > b_prev
        new_blank = np.where(from_sym, best_sym_score, b_prev) + blank_logp[t]
        blank_from[t] = np.where(from_sym, best_sym, -1)
        # symbol frame c at count k: repeat (k, c) / new char after blank (k-1) / after another char (k-1, c')
        shifted_b = np.concatenate([[neg], b_prev[:-1]])[:, None].repeat(n_sym, axis=1)
        top1 = s_prev.argmax(axis=1)
        order = np.argsort(-s_prev, axis=1)
        top2 = order[:, 1]
        first = s_prev[np.arange(n_chars + 1), top1]
        second = s_prev[np.arange(n_chars + 1), top2]
        other = np.where(np.arange(n_sym)[None, :] == top1[:, None], second[:, None], first[:, None])
        other_from = np.where(np.arange(n_sym)[None, :] == top1[:, None], top2[:, None], top1[:, None])
        other = np.concatenate([np.full((1, n_sym), neg), other[:-1]])
        other_from = np.concatenate([np.zeros((1, n_sym), int), other_from[:-1]])
        candidates = np.stack([s_prev, shifted_b, other])  # repeat, after blank, after other char
        choice = candidates.argmax(axis=0)
        emit = folded[rows, t, :]
        emit[0] = neg
        new_sym = candidates.max(axis=0) + emit
        sym_from[t] = np.where(choice == 0, -2, np.where(choice == 1, -1, other_from))
        blank, sym = new_blank, new_sym
    k = n_chars
    end_blank, end_sym = blank[k], sym[k].max()
    if not np.isfinite(max(end_blank, end_sym)):
        return None
    # Backtrack.
    state: int = -1 if end_blank >= end_sym else int(sym[k].argmax())
    text: list[str] = []
    for t in range(frames - 1, -1, -1):
        if state == -1:
            state = int(blank_from[t, k])
        else:
            came = int(sym_from[t, k, state])
            if came == -2:
                continue
            text.append(ALPHABET[state])
            k -= 1
            state = came
    score = float(max(end_blank, end_sym)) / frames
    return "".join(reversed(text)), score


@dataclass(frozen=True)
class MRZRead:
    lines: tuple[str, str, str]
    record: IdentityRecord
    score: float  # mean log-probability per frame over the three lines (0 = certain)


def _pad(image: np.ndarray, quad: np.ndarray, margin: float) -> np.ndarray:
    """The quad grown by ``margin`` × its height on every side (DB boxes hug the strokes)."""
    centre = quad.mean(axis=0)
    height = float(np.linalg.norm(quad[0] - quad[3]))
    grown = []
    for p in quad:
        d = p - centre
        grown.append(p + d / (np.abs(d) + 1e-6) * margin * height)
    return crop_quad(image, np.array(grown, np.float32))


def _ink(image: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]


def deskew(block: np.ndarray, max_deg: float = 3.0, step: float = 0.25) -> np.ndarray:
    """``block`` turned so its text rows are level: the angle whose row ink profile is sharpest. The
    detector's box is only roughly aligned (perspective, other text in the box), and over a 30-character
    line a fraction of a degree moves one end by a third of a character's height."""
    ink = _ink(block)
    h, w = ink.shape
    best, best_angle = -1.0, 0.0
    for angle in np.arange(-max_deg, max_deg + step / 2, step):
        m = cv2.getRotationMatrix2D((w / 2, h / 2), float(angle), 1.0)
        profile = cv2.warpAffine(ink, m, (w, h), flags=cv2.INTER_NEAREST).sum(axis=1, dtype=np.float64)
        sharpness = float(np.square(np.diff(profile)).sum())
        if sharpness > best:
            best, best_angle = sharpness, float(angle)
    if best_angle == 0.0:
        return block
    m = cv2.getRotationMatrix2D((w / 2, h / 2), best_angle, 1.0)
    return cv2.warpAffine(block, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def split_rows(block: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """The text rows of a rectified block (dark ink on a light card), by its row ink profile; each row
    with a margin of a third of its height. Returns (row centre y, crop)."""
    ink = _ink(block)
    profile = ink.mean(axis=1)
    if profile.max() <= 0:
        return []
    on = profile > 0.25 * profile.max()
    rows: list[tuple[int, int]] = []
    start = None
    for y, flag in enumerate([*on, False]):
        if flag and start is None:
            start = y
        elif not flag and start is not None:
            rows.append((start, y))
            start = None
    heights = [b - a for a, b in rows]
    tall = max(heights, default=0)
    out = []
    for a, b in rows:
        if b - a < 0.4 * tall:  # a stroke fragment or underline, not a text row
            continue
        m = max(2, (b - a) // 3)
        out.append(((a + b) / 2, block[max(0, a - m) : min(block.shape[0], b + m)]))
    return out


def _ink_columns(row: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(row, cv2.COLOR_BGR2GRAY) if row.ndim == 3 else row
    ink = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1].astype(np.float32)
    return np.convolve(ink.sum(axis=0), np.ones(3) / 3, mode="same")


def cell_edges(row: np.ndarray, pitch: float | None = None) -> tuple[np.ndarray, float] | None:
    """The 31 x-positions between the 30 character cells of an MRZ line (monospace: a fixed pitch),
    each placed in the nearest inter-character gap; and the pitch. ``pitch`` given: the line may be cut
    short (its trailing fillers outside the crop), so it is not estimated from this line's width."""
    cols = _ink_columns(row)
    inked = np.flatnonzero(cols > 0.05 * cols.max()) if cols.max() > 0 else np.array([], int)
    if inked.size == 0:
        return None
    left, right = int(inked[0]), int(inked[-1])
    pitch = pitch or (right - left) / (LINE - 0.3)
    edges = [left - 0.2 * pitch]
    for _ in range(LINE - 1):
        expected = edges[-1] + pitch
        lo, hi = int(expected - 0.35 * pitch), int(expected + 0.35 * pitch) + 1
        if lo < 0 or hi > len(cols):
            edges.append(expected)
            continue
        window = cols[lo:hi]
        quiet = np.flatnonzero(window <= window.min() + 0.05 * max(1.0, float(cols.max())))
        edges.append(lo + float(quiet.mean()))
    edges.append(edges[-1] + pitch)
    return np.array(edges), pitch


# The pieces of each line read at once (cells [a, b)). The recogniser drops characters on a whole
# 30-character line and on runs of 3+ ``<`` (a digit after them is often lost), so lines are read
# about 10 characters at a time, and cells the layout fixes to ``<`` (line 1 col 28, line 2 cols
# 19-28) are not read at all; the check digit after them is read with one ``<`` of context.
PLAN = (
    ((0, 10), (10, 20), (20, 27), (28, 30)),
    ((0, 9), (9, 18), (28, 30)),
    ((0, 10), (10, 20), (20, 30)),
)


def chunk_images(
    row: np.ndarray, edges: np.ndarray, pitch: float, plan: Sequence[tuple[int, int]]
) -> list[tuple[int, int, np.ndarray]]:
    """(first cell, end cell, image) for each piece of ``plan`` inside the crop, with a background
    margin on both sides; cells past the crop's right edge are left out (trailing fillers)."""
    width = row.shape[1]
    margin = max(2, round(0.3 * pitch))
    pieces = []
    for a, end in plan:
        b = end
        while b > a and edges[b] > width + 0.3 * pitch:
            b -= 1
        if b == a:
            continue
        x0, x1 = max(0, round(edges[a])), min(width, round(edges[b]))
        piece = cv2.copyMakeBorder(row[:, x0:x1], 0, 0, margin, margin, cv2.BORDER_REPLICATE)
        pieces.append((a, b, piece))
    return pieces


def stretch_contrast(image: np.ndarray) -> np.ndarray:
    """Grey levels stretched to the full range (a dim or washed-out photo)."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    lo, hi = float(grey.min()), float(grey.max())
    scaled = np.clip((grey.astype(np.float32) - lo) * (255.0 / max(1.0, hi - lo)), 0, 255).astype(np.uint8)
    return cv2.cvtColor(scaled, cv2.COLOR_GRAY2BGR)


def tidy_names(line: str) -> str:
    """Names end at the first ``<<`` after the surname's: everything after it is filler (misread
    chevrons in the trailing run become ``<`` again)."""
    surname_end = line.find("<<")
    if surname_end < 0:
        return line
    end = line.find("<<", surname_end + 2)
    return line if end < 0 else line[:end].ljust(LINE, FILL)


class MRZReader:
    """Card-back photo → the MRZ's three lines and the identity record, all check digits verified."""

    DETECT_SHORT_SIDE = 640  # the detector sees the photo at most this large (shorter side, px)
    MAX_TRIPLES = 3  # groups of three consecutive lines tried, from the bottom up

    def __init__(self, model: MRZLineModel | None = None, detector: TextDetector | None = None):
        self.model = model or MRZLineModel()
        self.detector = detector or TextDetector()

    def candidate_lines(self, image: np.ndarray) -> list[tuple[float, np.ndarray]]:
        """Long horizontal text lines as (order key, rectified crop), top to bottom. The detector
        often boxes the three MRZ lines as one block: each box is cut into its ink rows."""
        scale = min(1.0, self.DETECT_SHORT_SIDE / min(image.shape[:2]))
        small = (
            cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
        )
        lines = []
        for quad in self.detector.detect(small):
            if not is_horizontal(quad):
                continue
            block = deskew(_pad(image, quad / scale, 0.08))
            top = float((quad / scale)[:, 1].min())
            for y, row in split_rows(block):
                if row.shape[1] >= 10 * row.shape[0]:  # an MRZ line is ~20× as wide as it is tall
                    lines.append((top + y, row))
        return sorted(lines, key=lambda item: item[0])

    def read(self, image: np.ndarray) -> MRZRead:
        lines = self.candidate_lines(image)
        if len(lines) < 3:
            raise MRZError(
                "mrz.not_found",
                "Không tìm thấy vùng MRZ (3 dòng) trong ảnh.",
                "No three-line MRZ was found in the image.",
            )
        first_error: MRZError | None = None
        # Bottom-most triple first: the MRZ is the last text block on the card back.
        for start in range(len(lines) - 3, max(-1, len(lines) - 3 - self.MAX_TRIPLES), -1):
            read = self._read_triple([lines[start + i][1] for i in range(3)])
            if read is None:
                continue
            texts, score = read
            try:
                record = parse_cccd_mrz(list(texts))
            except MRZError as exc:
                first_error = first_error or exc
                continue
            return MRZRead(texts, record, score)
        raise first_error or MRZError(
            "mrz.unreadable", "Không đọc được MRZ trong ảnh.", "The MRZ in the image could not be read."
        )

    def _read_triple(self, rows: list[np.ndarray]) -> tuple[tuple[str, str, str], float] | None:
        """Three line crops → three 30-character lines, read piece by piece (PLAN)."""
        first, second = cell_edges(rows[0]), cell_edges(rows[1])
        if first is None or second is None:
            return None
        pitch = float(np.median([first[1], second[1]]))
        third = cell_edges(rows[2], pitch)  # the names line may be boxed without its trailing fillers
        if third is None:
            return None
        pieces = [
            chunk_images(row, g[0], g[1], plan)
            for row, g, plan in zip(rows, [first, second, third], PLAN, strict=True)
        ]
        images = [img for line in pieces for _, _, img in line]
        # Each piece as photographed and contrast-stretched; the likelier reading of the two wins.
        probs = self.model.frame_probs(images + [stretch_contrast(img) for img in images])
        looks = list(zip(probs[: len(images)], probs[len(images) :], strict=True))
        texts, total, frames, k = [], 0.0, 0, 0
        for i, line in enumerate(pieces):
            chars = [FILL] * LINE
            for a, b, _ in line:
                reads = [(constrained_decode(p, LAYOUT[i][a:b]), p.shape[0]) for p in looks[k]]
                k += 1
                found = [(d, n) for d, n in reads if d is not None]
                if not found:
                    return None
                (text, score), n = max(found, key=lambda item: item[0][1])
                chars[a:b] = text
                total += score * n
                frames += n
            texts.append("".join(chars))
        return (texts[0], texts[1], tidy_names(texts[2])), total / max(1, frames)
