"""One read per vehicle: vote over the plate reads of one track, weighted by confidence and sharpness."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import cv2
import numpy as np

from ocr.reader import PlateRead


def sharpness(crop: np.ndarray) -> float:
    """Variance of the Laplacian, a standard focus measure."""
    if crop.size == 0:
        return 0.0
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def sharpness_weight(value: float) -> float:
    # Saturating: a crisp crop counts up to ~2.5× a very blurred one.
    return 0.4 + 0.6 * (1 - math.exp(-value / 150.0))


@dataclass(frozen=True)
class Candidate:
    compact: str
    text: str
    score: float
    votes: int


@dataclass(frozen=True)
class Verdict:
    best: PlateRead
    score: float
    votes: int
    total_reads: int
    alternatives: tuple[Candidate, ...]

    @property
    def agreement(self) -> float:
        return self.votes / max(1, self.total_reads)


@dataclass
class TrackVotes:
    reads: list[tuple[PlateRead, float]] = field(default_factory=list)

    def add(self, read: PlateRead, crop: np.ndarray | None = None) -> None:
        weight = read.confidence * (sharpness_weight(sharpness(crop)) if crop is not None else 1.0)
        self.reads.append((read, weight))

    def verdict(self, top: int = 3) -> Verdict | None:
        if not self.reads:
            return None
        groups: dict[str, list[tuple[PlateRead, float]]] = defaultdict(list)
        for read, weight in self.reads:
            groups[read.compact].append((read, weight))
        ranked = sorted(groups.items(), key=lambda kv: sum(w for _, w in kv[1]), reverse=True)
        _, members = ranked[0]
        best = max(members, key=lambda m: m[1])[0]
        alternatives = tuple(
            Candidate(k, m[0][0].text, round(sum(w for _, w in m), 4), len(m)) for k, m in ranked[1 : 1 + top]
        )
        return Verdict(
            best, round(sum(w for _, w in members), 4), len(members), len(self.reads), alternatives
        )


def agreed_read(looks: list[PlateRead | None]) -> PlateRead | None:
    """The text that several looks at one plate agree on most (sum of confidences), as its most
    confident read (the pipeline's crops of a plate at several margins)."""
    votes = TrackVotes()
    for read in looks:
        if read is not None:
            votes.add(read)
    verdict = votes.verdict()
    return None if verdict is None else verdict.best
