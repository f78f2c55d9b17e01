"""One footage in overlapping segments, processed apart and merged into what a single pass finds.

Segment k owns the frames [start, end). It reads the signal heads from frame 0 (cheap: a small crop of
each frame, so the light timeline is the single pass's), runs the whole pipeline from ``warm_from``
(``start`` less the overlap) so that its tracker, motion gate and clip buffer reach the single pass's
state, and goes on past ``end`` until every vehicle first seen before ``end`` has left and its events
are out. It keeps the events whose key frame it owns; the others belong to a neighbour (a vehicle that
crosses a boundary is found by both and kept once).

Identical to the single pass, not just close: the pipeline's state is a function of the frames since
its last quiet moment (nothing tracked, nothing pending: ``CameraProcessor.idle_signature``). When
segment k and segment k-1 record the same signature after the same frame inside k's warm-up, they go
on identically from there, and so does k with the single pass. A boundary without such a frame (traffic
that never paused in the overlap) is run again with twice the warm-up; at frame 0 it is the single pass.
Merged events come out in the order the single pass finds them (by the frame that released them), one
per dedup key, with the tracker's own ids (which restart at every quiet moment, in every segment alike),
so the result does not depend on which worker ran what.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from detection.camera import CameraProcessor
from detection.sources import Frame

EMITTED = "emitted_frame"  # kept with a segment's events for the merge; not part of the merged events


@dataclass(frozen=True)
class Segment:
    index: int
    start: int
    end: int | None  # None: to the end of the footage
    warm_from: int

    def owns(self, frame: int) -> bool:
        return frame >= self.start and (self.end is None or frame < self.end)

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "start": self.start, "end": self.end, "warm_from": self.warm_from}

    @classmethod
    def of(cls, data: dict[str, Any]) -> Segment:
        return cls(int(data["index"]), int(data["start"]), data["end"], int(data["warm_from"]))


def plan(total_frames: int, count: int, overlap_frames: int) -> list[Segment]:
    """``count`` segments of about equal length, each warmed up over ``overlap_frames`` before it."""
    if count < 1:
        raise ValueError("at least one segment")
    if total_frames < count:
        raise ValueError(f"{total_frames} frames cannot be cut into {count} segments")
    bounds = [round(i * total_frames / count) for i in range(count + 1)]
    return [
        Segment(i, bounds[i], None if i == count - 1 else bounds[i + 1], max(0, bounds[i] - overlap_frames))
        for i in range(count)
    ]


@dataclass
class SegmentResult:
    events: list[dict[str, Any]] = field(default_factory=list)  # owned ones, with EMITTED
    idle: list[list[Any]] = field(default_factory=list)  # [frame, signature] after each idle frame
    frames: int = 0  # frames run through the pipeline (warm-up included, signal-only reads not)
    last_frame: int = -1
    signal: dict[str, list[list[str]]] = field(default_factory=dict)


def owner_frame(event: dict[str, Any], fps: float) -> int:
    if event.get("frame") is not None:
        return int(event["frame"])
    return round(float(event["time_s"] or 0.0) * fps)


def run_segment(
    processor: CameraProcessor,
    frames: Iterable[Frame],
    segment: Segment,
    summarise: Callable[[Any], dict[str, Any]],
    on_frame: Callable[[Frame, SegmentResult], None] | None = None,
) -> SegmentResult:
    """Run one segment; ``summarise`` turns a ViolationEvent into the run's event dict."""
    fps = processor.config.camera.fps
    result = SegmentResult()
    found: list[dict[str, Any]] = []
    ended = True
    for frame in frames:
        if frame.index < segment.warm_from:
            processor.warm_signal(frame)
            result.last_frame = frame.index
            if on_frame:
                on_frame(frame, result)
            continue
        if segment.end is not None and frame.index >= segment.end and not processor.busy_before(segment.end):
            ended = False
            break
        for event in processor.feed(frame):
            found.append({**summarise(event), EMITTED: frame.index})
        signature = processor.idle_signature(frame.captured_at)
        if signature is not None:
            result.idle.append([frame.index, signature])
        result.frames += 1
        result.last_frame = frame.index
        if on_frame:
            on_frame(frame, result)
    if ended:
        for event in processor.flush():
            found.append({**summarise(event), EMITTED: result.last_frame + 1})
    result.events = [e for e in found if segment.owns(owner_frame(e, fps))]
    result.signal = processor.signal_timelines()
    return result


def sync_frame(
    segment: Segment, idle: list[list[Any]], before: list[list[Any]], before_sync: int
) -> int | None:
    """The first frame of ``segment``'s warm-up after which it and the segment before it (in step with
    the single pass from ``before_sync`` on) were idle in the same state; 0 when it started at frame 0;
    None when there is none (run it again with a longer warm-up)."""
    if segment.warm_from == 0:
        return 0
    theirs = {int(f): sig for f, sig in before if int(f) >= before_sync}
    for frame, signature in idle:
        if int(frame) >= segment.start:
            break
        if theirs.get(int(frame)) == signature:
            return int(frame)
    return None


def merge(segments_events: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The segments' owned events in the single pass's order (released at the same frame: by time and
    code, as one frame's events are), once per dedup key, without the merge's bookkeeping."""
    tagged = [
        (e[EMITTED], datetime.fromisoformat(e["at"]), e["code"], k, i, e)
        for k, es in enumerate(segments_events)
        for i, e in enumerate(es)
    ]
    merged, keys = [], set()
    for *_, event in sorted(tagged, key=lambda t: t[:5]):
        if event["key"] in keys:
            continue
        keys.add(event["key"])
        merged.append({k: v for k, v in event.items() if k != EMITTED})
    return merged
