"""An event's identity: the same event seen twice (a resumed run, a replayed file) is one candidate."""

from __future__ import annotations

from detection.camera import ViolationEvent


def dedup_key(event: ViolationEvent) -> str:
    """Same camera, code, moment and place: two riders crossing the line in one frame are two events."""
    key = f"{event.camera_id}:{event.code}:{event.at.isoformat(timespec='milliseconds')}"
    if passenger_of(event) is not None:  # two bare-headed passengers of one motorbike: two offences
        key += f"#rider{passenger_of(event)}"
    box = event_box(event)
    return key if box is None else f"{key}@{round((box[0] + box[2]) / 2)},{round(box[3])}"


def event_box(event: ViolationEvent) -> list[int] | None:
    return list(event.key_frame.box) if event.key_frame and event.key_frame.box else None


def same_place(a: list[int], b: list[int]) -> bool:
    """Boxes of one vehicle a moment apart: bottom-centres closer than the vehicle is wide."""
    dx = (a[0] + a[2]) / 2 - (b[0] + b[2]) / 2
    dy = a[3] - b[3]
    return bool(dx * dx + dy * dy <= max(a[2] - a[0], b[2] - b[0], 1) ** 2)


def passenger_of(event: ViolationEvent) -> int | None:
    """The rider position of a passenger's own offence (NO_HELMET_PASSENGER), else None."""
    measured = event.finding.measured
    return int(measured["rider"]) if measured.get("fined") == "passenger" and "rider" in measured else None
