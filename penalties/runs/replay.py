"""Replays: the events of two runs of the same footage compared."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RunDiff:
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[dict[str, Any]]
    unchanged: int

    @property
    def identical(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "identical": self.identical,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "unchanged": self.unchanged,
        }


MATCH_WITHIN_S = 1.5


def diff_events(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> RunDiff:
    """Pair events by code and nearest moment (within 1.5 s); report what appeared, vanished or changed
    (plate read, vehicle class, measured values)."""
    remaining = list(before)
    added, changed, unchanged = [], [], 0
    for event in sorted(after, key=lambda e: (e["at"], e["code"])):
        at = datetime.fromisoformat(event["at"])
        options = [
            (abs((datetime.fromisoformat(b["at"]) - at).total_seconds()), i)
            for i, b in enumerate(remaining)
            if b["code"] == event["code"]
        ]
        options = [o for o in options if o[0] <= MATCH_WITHIN_S]
        if not options:
            added.append(event)
            continue
        _, i = min(options)
        old = remaining.pop(i)
        fields = {
            k: {"before": old.get(k), "after": event.get(k)}
            for k in ("at", "plate", "vehicle_class", "measured")
            if old.get(k) != event.get(k)
        }
        if fields:
            changed.append(
                {
                    "code": event["code"],
                    "at": event["at"],
                    "frame": event.get("frame"),
                    "box": event.get("box"),
                    "changes": fields,
                }
            )
        else:
            unchanged += 1
    return RunDiff(added, remaining, changed, unchanged)
