"""A run stopped while vehicles are in view and an event is pending resumes from its in-flight state
(signed, serialised) and ends with the same events as a run never stopped."""

from __future__ import annotations

import pytest

from detection.camera import CameraProcessor, ProcessorOptions, ViolationEvent
from detection.camera_config import load_camera_config
from detection.checkpoint import CheckpointError, pack, unpack
from detection.pipeline import PlatePipeline
from detection.sources import VideoFileSource

OPTIONS = ProcessorOptions(stride=3)


def facts(events: list[ViolationEvent]) -> list[tuple]:
    return [
        (
            e.code,
            e.at,
            e.plate.best.compact if e.plate else None,
            e.track_id,
            e.summary()["frame"],
            e.summary()["box"],
            [f.index for f in e.frames],
            [f.index for f in e.clip],
        )
        for e in events
    ]


def test_stopped_mid_flight_resumes_to_the_same_events(generated_footage) -> None:
    config = load_camera_config(generated_footage.camera)
    pipeline = PlatePipeline()

    def frames(start: int = 0):  # decoded again each time: 1080p frames are too big to keep
        return (
            f for f in VideoFileSource(config.camera.id, generated_footage.video).frames() if f.index >= start
        )

    whole = CameraProcessor(config, pipeline, OPTIONS)
    expected = [e for f in frames() for e in whole.feed(f)] + whole.flush()
    assert [e.code for e in expected] == ["SPEED_20_35", "RED_LIGHT"]

    first = CameraProcessor(config, pipeline, OPTIONS)
    before: list[ViolationEvent] = []
    stop = None
    for frame in frames():
        before += first.feed(frame)
        if before and first.pending_events and first.live_tracks and frame.index % 3 == 0:
            stop = frame.index  # the runner has a pending red light and vehicles in view
            break
    assert stop is not None, "never had an event pending with vehicles in view"
    saved, warm_from, in_flight = pack(first.in_flight()), first.needs_from(), first.live_tracks
    assert warm_from is not None and warm_from < stop and in_flight >= 1
    del first

    resumed = CameraProcessor(config, pipeline, OPTIONS)
    resumed.restore(unpack(saved))
    after: list[ViolationEvent] = []
    for frame in frames(warm_from):
        if frame.index <= stop:
            resumed.warm(frame)
        else:
            after += resumed.feed(frame)
    after += resumed.flush()
    assert facts(before + after) == facts(expected)
    assert all(len(e.frames) == 2 and e.clip for e in after)

    # Without the in-flight state, the tracks from before the stop are lost: not the same events.
    fresh = CameraProcessor(config, pipeline, OPTIONS)
    restarted: list[ViolationEvent] = []
    for frame in frames(warm_from):
        if frame.index <= stop:
            fresh.warm(frame)
        else:
            restarted += fresh.feed(frame)
    restarted += fresh.flush()
    assert facts(before + restarted) != facts(expected)


def test_an_altered_state_is_refused() -> None:
    text = pack({"live": {}})
    mac, body = text.split(":", 1)
    forged = ("0" if mac[0] != "0" else "1") + mac[1:] + ":" + body
    with pytest.raises(CheckpointError, match="signature"):
        unpack(forged)
    assert unpack(text) == {"live": {}}
