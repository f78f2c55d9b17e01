"""What the one-screen review page shows, worked out from a candidate's evidence: each frame as drawn
(overlay) paired with its original, the clip's crossing moment, and the measured values with labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from penalties.candidates.models import EvidenceItem, EvidenceKind, ViolationCandidate
from web.review_text import MEASURED_ROWS

FRAME_LABELS = ("frame_before", "frame_at")


@dataclass(frozen=True)
class FrameView:
    label: str  # a text key
    shown: EvidenceItem  # the overlay where one was drawn, else the original
    original: EvidenceItem | None  # the frame without overlay, None for packages that lack it


def _by_time(items: list[EvidenceItem]) -> list[EvidenceItem]:
    return sorted(items, key=lambda i: (i.captured_at is None, i.captured_at or 0, str(i.id)))


def frame_views(evidence: dict[EvidenceKind, list[EvidenceItem]]) -> list[FrameView]:
    """Overlays and originals are stored as separate files of one capture: pair them by capture time."""
    overlays = _by_time(evidence.get(EvidenceKind.overlay, []))
    originals = _by_time(evidence.get(EvidenceKind.frame, []))
    by_time = {o.captured_at: o for o in originals if o.captured_at is not None}
    shown = overlays or originals
    views = []
    for index, item in enumerate(shown):
        if item.kind is EvidenceKind.frame:
            original: EvidenceItem | None = item
        else:
            original = by_time.get(item.captured_at) if item.captured_at else None
            if original is None and len(originals) == len(overlays):
                original = originals[index]
        label = FRAME_LABELS[index] if len(shown) == len(FRAME_LABELS) else "frame"
        views.append(FrameView(label, item, original))
    return views


def crossing_seconds(candidate: ViolationCandidate, clip: EvidenceItem) -> float | None:
    """Seconds from the clip's first frame to the moment of the violation (None when unknown)."""
    if clip.captured_at is None:
        return None
    offset = (candidate.detected_at - clip.captured_at).total_seconds()
    return round(offset, 3) if offset >= 0 else None


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


def measured_rows(measured: dict[str, Any]) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """(text key, value with limit and unit) for the values a reviewer weighs, and the rest as stored."""
    rows, used = [], set()
    for key, limit_key, text, unit in MEASURED_ROWS:
        if measured.get(key) is None:
            continue
        value = _number(measured[key])
        if limit_key and measured.get(limit_key) is not None:
            value = f"{value} / {_number(measured[limit_key])}"
            used.add(limit_key)
        rows.append((text, f"{value} {unit}"))
        used.add(key)
    return rows, {k: v for k, v in measured.items() if k not in used and v is not None}
