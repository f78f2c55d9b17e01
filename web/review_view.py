"""What the one-screen review page shows, worked out from a candidate's evidence: each frame as drawn
(overlay) paired with its original, the clip's crossing moment, and the measured values with labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from penalties.candidates.models import EvidenceItem, EvidenceKind, ViolationCandidate
from penalties.review.riders import NO_HELMET, OVERLOAD, dropped
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


RIDER_KEYS = ("riders_seen", "dropped_riders", "frames", "possible_child_passengers")


@dataclass(frozen=True)
class RiderView:
    position: int
    role: str  # a text key: rider_driver, rider_passenger
    helmet: str  # a text key: helmet_worn, helmet_missing, helmet_unclear
    confidence: float | None
    possible_child: bool
    subject: bool  # the rider this finding is about
    dropped: dict[str, Any] | None  # who dropped the rider, when and why
    head: EvidenceItem | None
    look: EvidenceItem | None


def rider_views(
    candidate: ViolationCandidate,
    evidence: dict[EvidenceKind, list[EvidenceItem]],
    files: dict[int, dict[str, str]],
) -> list[RiderView]:
    """Each rider of a helmet or overload finding, with its enlarged head and best frame when stored."""
    code, measured = candidate.violation_code, candidate.measured or {}
    if code not in NO_HELMET | OVERLOAD:
        return []
    by_sha = {
        i.sha256: i
        for kind in (EvidenceKind.head_crop, EvidenceKind.rider_frame)
        for i in evidence.get(kind, [])
    }
    gone = {int(d["rider"]): d for d in measured.get("dropped_riders", [])}
    seen = measured.get("riders_seen") or [
        {"rider": p, "role": "driver" if p == 0 else "passenger"}
        for p in range(int(measured.get("riders", 0)))
    ]
    views = []
    for r in seen:
        position = int(r["rider"])
        mine = files.get(position, {})
        views.append(
            RiderView(
                position,
                f"rider_{r.get('role', 'passenger')}",
                f"helmet_{r.get('helmet', 'unclear')}",
                r.get("confidence"),
                bool(r.get("possible_child")),
                code in NO_HELMET and position == measured.get("rider"),
                gone.get(position),
                by_sha.get(mine.get("head", "")),
                by_sha.get(mine.get("rider", "")),
            )
        )
    return views


def drop_falls(candidate: ViolationCandidate, position: int) -> bool:
    """Whether dropping this rider makes the finding fall (the page warns before)."""
    measured = candidate.measured or {}
    if candidate.violation_code in NO_HELMET:
        return position == measured.get("rider")
    riders = int(measured.get("riders", 0)) - len(dropped(measured))
    return candidate.violation_code in OVERLOAD and riders - 2 < 2
