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
from identity.mrz_cells import (
    PLAN,
    cell_edges,
    chunk_images,
    deskew,
    names_end,
    pad_quad,
    split_rows,
    stretch_contrast,
    tidy_names,
)
from identity.record import IdentityRecord
from ocr.recognizer import rapidocr_model
from ocr.text_detector import TextDetector, is_horizontal

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
            block = deskew(pad_quad(image, quad / scale))
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

    def _read_pieces(
        self, pieces: list[tuple[int, int, np.ndarray]], layout: Sequence[str]
    ) -> list[tuple[int, int, str, float, int]] | None:
        """Each piece read as photographed and contrast-stretched; the likelier constrained decode of
        the two wins. Returns (first cell, end cell, text, mean log-probability, frames)."""
        images = [img for _, _, img in pieces]
        probs = self.model.frame_probs(images + [stretch_contrast(img) for img in images])
        out = []
        for k, (a, b, _) in enumerate(pieces):
            found = []
            for p in (probs[k], probs[len(images) + k]):
                decoded = constrained_decode(p, layout[a:b])
                if decoded is not None:
                    found.append((decoded[0], decoded[1], p.shape[0]))
            if not found:
                return None
            text, score, n = max(found, key=lambda item: item[1])
            out.append((a, b, text, score, n))
        return out

    def _read_triple(self, rows: list[np.ndarray]) -> tuple[tuple[str, str, str], float] | None:
        """Three line crops → three 30-character lines, read piece by piece (PLAN)."""
        first, second = cell_edges(rows[0]), cell_edges(rows[1])
        if first is None or second is None:
            return None
        pitch = float(np.median([first[1], second[1]]))
        third = cell_edges(rows[2], pitch)  # the names line may be boxed without its trailing fillers
        if third is None:
            return None
        texts, total, frames = [], 0.0, 0
        for i, (row, (edges, step)) in enumerate(zip(rows, [first, second, third], strict=True)):
            reads = self._read_pieces(chunk_images(row, edges, step, PLAN[i]), LAYOUT[i])
            if reads is None:
                return None
            chars = [FILL] * LINE
            for a, b, text, score, n in reads:
                chars[a:b] = text
                total += score * n
                frames += n
            texts.append("".join(chars))
        names = tidy_names(texts[2])
        end = names_end(names)
        if end is not None:
            # The name's last letters again, without the run of fillers after them (a letter before
            # many ``<`` is often misread: MAI as MAH).
            start = max(0, end - 6)
            tail = self._read_pieces(chunk_images(rows[2], third[0], third[1], [(start, end + 1)]), LAYOUT[2])
            if tail:
                names = tidy_names(names[:start] + tail[0][2] + names[end + 1 :])
        return (texts[0], texts[1], names), total / max(1, frames)
