"""Which part of a recording to process: `--from` / `--to` as a time (12.5, 01:10, 00:01:10.5) or a
frame number (f120). The start is included, the end is not."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CLOCK = re.compile(r"^(?:(?:(\d+):)?(\d{1,2}):)?(\d+(?:\.\d+)?)$")
_FRAME = re.compile(r"^f(\d+)$", re.IGNORECASE)


class SpanError(ValueError):
    pass


@dataclass(frozen=True)
class Position:
    text: str
    seconds: float | None = None
    frame: int | None = None

    def reached(self, index: int, offset_s: float) -> bool:
        """Whether a frame (its index, its time from the first frame) is at or past this position."""
        if self.frame is not None:
            return index >= self.frame
        return offset_s >= (self.seconds or 0.0) - 1e-6

    def to_frame(self, fps: float) -> int:
        return self.frame if self.frame is not None else round((self.seconds or 0.0) * fps)


def parse_position(text: str) -> Position:
    value = text.strip()
    if m := _FRAME.match(value):
        return Position(value, frame=int(m[1]))
    if m := _CLOCK.match(value):
        hours, minutes, seconds = int(m[1] or 0), int(m[2] or 0), float(m[3])
        if (m[2] is not None and seconds >= 60) or (m[1] is not None and minutes >= 60):
            raise SpanError(f"{text!r}: minutes and seconds go up to 59")
        return Position(value, seconds=hours * 3600 + minutes * 60 + seconds)
    raise SpanError(f"{text!r} is neither a time (12.5, 01:10, 00:01:10.5) nor a frame number (f120)")


@dataclass(frozen=True)
class Span:
    start: Position | None = None
    end: Position | None = None

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> Span:
        span = cls(parse_position(start) if start else None, parse_position(end) if end else None)
        if span.start is not None and span.end is not None:
            a, b = span.start, span.end
            comparable = (a.frame is None) == (b.frame is None)  # both times or both frames
            if comparable and (a.frame, a.seconds) >= (b.frame, b.seconds):
                raise SpanError(f"--to {end} is not after --from {start}")
        return span

    @property
    def whole(self) -> bool:
        return self.start is None and self.end is None

    def frames(self, fps: float) -> tuple[int, int | None]:
        """[first, stop) frame indices at this frame rate (stop None: to the end)."""
        first = self.start.to_frame(fps) if self.start else 0
        stop = self.end.to_frame(fps) if self.end else None
        return first, stop

    def describe(self) -> list[str | None]:
        return [self.start.text if self.start else None, self.end.text if self.end else None]
