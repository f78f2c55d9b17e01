"""The camera loop end to end with the real detectors and reader on generated 1080p footage."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import cv2
import numpy as np
import pytest

from detection.camera import MAX_READS, CameraProcessor, ProcessorOptions, ViolationEvent
from detection.camera_config import CameraConfig, load_camera_config
from detection.clip_spill import Spilled
from detection.footage import STOP_LINE_M, Drive, crossing_time
from detection.pipeline import PlatePipeline
from detection.rules.base import Light
from detection.sources import Frame, VideoFileSource
from detection.types import Detections


def run(footage, options: ProcessorOptions) -> tuple[list[ViolationEvent], CameraProcessor]:
    config = load_camera_config(footage.camera)
    processor = CameraProcessor(config, PlatePipeline(), options)
    events: list[ViolationEvent] = []
    for frame in VideoFileSource(config.camera.id, footage.video).frames():
        events += processor.feed(frame)
    return events + processor.flush(), processor


@pytest.fixture(scope="module")
def strided(generated_footage):
    return run(generated_footage, ProcessorOptions(stride=3))


def truth(footage) -> dict:
    return json.loads(footage.truth.read_text())


def test_exactly_the_speeding_and_the_red_light(strided, generated_footage) -> None:
    events, _ = strided
    assert [(e.code, e.plate.best.compact if e.plate else None) for e in events] == [
        ("SPEED_20_35", "51G12345"),
        ("RED_LIGHT", "30A99988"),
    ]


def test_speed_within_3_kmh_of_the_truth(strided, generated_footage) -> None:
    speeding = next(e for e in strided[0] if e.code.startswith("SPEED"))
    true_kmh = truth(generated_footage)["drives"][0]["speed_kmh"]
    assert abs(speeding.finding.measured["speed_kmh"] - true_kmh) <= 3.0
    assert speeding.finding.measured["limit_kmh"] == 50


def test_red_light_time_into_red_and_signal(strided, generated_footage) -> None:
    red = next(e for e in strided[0] if e.code == "RED_LIGHT")
    facts = truth(generated_footage)
    drive = Drive(**facts["drives"][1])
    crossed = crossing_time(drive, STOP_LINE_M)
    assert crossed is not None
    expected = crossed - facts["red_from"]
    # The processed frames are 0.12 s apart at stride 3: the light change and the crossing are
    # each known to about one processed frame.
    assert abs(red.finding.measured["time_into_red_s"] - expected) <= 0.25
    started = datetime.fromisoformat(facts["started_at"])
    assert abs((red.at - (started + timedelta(seconds=crossed))).total_seconds()) <= 0.15
    assert red.signal is not None and red.signal["state"] == "red"


def test_events_carry_their_evidence(strided) -> None:
    for event in strided[0]:
        before, at = event.frames
        assert before.captured_at < at.captured_at
        assert at.box is not None and before.box is not None
        assert abs((at.captured_at - event.at).total_seconds()) <= 0.15
        assert event.clip[0].captured_at <= before.captured_at and event.clip[-1].captured_at > event.at
        assert event.plate_crop is not None and event.plate_crop.size
        # One voted read per vehicle: reading stops once 4 reads agree, and never goes past MAX_READS.
        assert event.plate is not None and 4 <= event.plate.votes <= event.plate.total_reads <= MAX_READS
        assert event.plate.agreement >= 0.8
        assert {"vehicle_detector", "plate_detector", "ocr"} <= set(event.provenance)
        assert event.frames[1].image.shape == (1080, 1920, 3)


def test_motion_gating_finds_the_same(strided, generated_footage) -> None:
    gated, processor = run(generated_footage, ProcessorOptions(stride=3, motion_gate=True))
    assert [(e.code, e.plate.best.compact if e.plate else None) for e in gated] == [
        (e.code, e.plate.best.compact if e.plate else None) for e in strided[0]
    ]
    assert processor.frames_processed < strided[1].frames_processed


def test_signal_from_a_controller_log(generated_footage, tmp_path) -> None:
    """With the controller saying red from the start, the speeding car ran a red light too."""
    import yaml

    facts = truth(generated_footage)
    log = tmp_path / "controller.jsonl"
    log.write_text(json.dumps({"at": facts["started_at"], "state": "red"}) + "\n")
    data = yaml.safe_load(generated_footage.camera.read_text())
    data["traffic_light"] = {"feed_url": str(log)}
    camera = tmp_path / "camera.yaml"
    camera.write_text(yaml.safe_dump(data))
    footage = type(generated_footage)(
        generated_footage.video, camera, generated_footage.truth, generated_footage.started_at
    )
    events, _ = run(footage, ProcessorOptions(stride=3))
    assert sorted((e.code, e.plate.best.compact if e.plate else None) for e in events) == [
        ("RED_LIGHT", "30A99988"),
        ("RED_LIGHT", "51G12345"),
        ("SPEED_20_35", "51G12345"),
    ]
    assert all(
        e.signal and e.signal["source"] == "signal controller" for e in events if e.code == "RED_LIGHT"
    )


class _CountingDetector:
    """A vehicle detector that finds nothing and counts the frames it was asked to look at."""

    def __init__(self) -> None:
        self.calls = 0
        self.vehicles = self
        self.provenance: dict[str, Any] = {}

    def detect_many(self, images: list[np.ndarray], *, conf: float | None = None) -> list[Detections]:
        self.calls += 1
        return [Detections.empty(("car",)) for _ in images]


def _scene(frames: int, still_after: int) -> list[Frame]:
    """A bright block sliding across a dark scene, then standing still."""
    start = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    out = []
    for i in range(frames):
        image = np.full((120, 160, 3), 30, np.uint8)
        x = 8 * min(i, still_after)
        image[40:80, x : x + 30] = 230
        out.append(Frame("CAM-GATE", i, start + timedelta(seconds=i / 25), image))
    return out


def test_motion_gate_skips_the_still_frames_in_the_camera_loop() -> None:
    config = CameraConfig.model_validate(
        {
            "camera": {
                "id": "CAM-GATE",
                "version": 1,
                "resolution": [160, 120],
                "location": {
                    "name": "Test",
                    "latitude": 10.77,
                    "longitude": 106.70,
                    "road": "Test road",
                    "province_code": "51",
                    "speed_limit_kmh": 50,
                },
            }
        }
    )
    frames = _scene(22, still_after=15)  # frames 0–15 move; 16–21 repeat frame 15
    counts = {}
    for gate in (False, True):
        detector = _CountingDetector()
        processor = CameraProcessor(config, cast(PlatePipeline, detector), ProcessorOptions(motion_gate=gate))
        for frame in frames:
            processor.feed(frame)
        assert processor.frames_seen == 22
        assert processor.frames_processed == detector.calls
        counts[gate] = detector.calls
    assert counts == {False: 22, True: 16}


def test_every_head_is_read_and_checkpointed() -> None:
    """Two heads in one camera: each gets its own timeline, and a resumed run restores both."""
    import cv2

    config = CameraConfig.model_validate(
        {
            "camera": {
                "id": "CAM-HEADS",
                "version": 1,
                "resolution": [160, 120],
                "location": {
                    "name": "Test",
                    "latitude": 10.77,
                    "longitude": 106.70,
                    "road": "Test road",
                    "province_code": "51",
                    "speed_limit_kmh": 50,
                },
            },
            "lines": [{"name": "stop", "kind": "stop_line", "points": [[0, 100], [160, 100]]}],
            "traffic_light": {
                "heads": [
                    {"name": "main", "box": [10, 10, 30, 70], "controls": ["straight", "left"]},
                    {"name": "arrow", "box": [40, 10, 60, 70], "controls": ["right"]},
                ]
            },
        }
    )
    start = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)

    def frame(i: int, main: int, arrow: int) -> Frame:
        image = np.full((120, 160, 3), 20, np.uint8)
        for x0, lit in ((10, main), (40, arrow)):
            for k in range(3):
                colour = (230, 230, 230) if k == lit else (30, 30, 30)
                cv2.circle(image, (x0 + 10, 20 + 20 * k), 5, colour, -1)
        return Frame("CAM-HEADS", i, start + timedelta(seconds=i), image)

    processor = CameraProcessor(config, cast(PlatePipeline, _CountingDetector()), ProcessorOptions())
    for i, (main, arrow) in enumerate([(2, 0)] * 3 + [(0, 2)] * 3):
        processor.feed(frame(i, main, arrow))
    timelines = processor.signal_timelines()
    assert {name: [s for _, s in tl] for name, tl in timelines.items()} == {
        "main": ["green", "red"],
        "arrow": ["red", "green"],
    }
    saved = processor.signal_checkpoint(start + timedelta(seconds=4))
    resumed = CameraProcessor(config, cast(PlatePipeline, _CountingDetector()), ProcessorOptions())
    resumed.restore_signals(saved)
    assert resumed.context.heads["arrow"].state_at(start + timedelta(seconds=5))[0] is Light.green
    assert resumed.context.heads["main"].state_at(start + timedelta(seconds=5))[0] is Light.red


def test_clips_kept_encoded_hold_the_same_frames(strided, generated_footage) -> None:
    """The clip buffer keeps JPEGs, not 6 MiB raw frames: the events' evidence holds the same frames
    (indices, times, boxes), each close to the original."""
    raw, _ = run(generated_footage, ProcessorOptions(stride=3, clip_quality=None))
    assert [e.summary() for e in raw] == [e.summary() for e in strided[0]]
    for encoded, exact in zip(strided[0], raw, strict=True):
        for mine, theirs in ((encoded.frames, exact.frames), (encoded.clip, exact.clip)):
            assert [(f.index, f.captured_at, f.box) for f in mine] == [
                (f.index, f.captured_at, f.box) for f in theirs
            ]
        for a, b in zip(encoded.frames + encoded.clip[::10], exact.frames + exact.clip[::10], strict=True):
            assert cv2.PSNR(a.image, b.image) > 35
    # An event that waited for its vehicle's track to end kept its clip on disk, not in memory (raw
    # frames stay in memory: they have no file form).
    assert any(isinstance(f.stored, Spilled) for e in strided[0] for f in e.clip)
    assert not any(isinstance(f.stored, Spilled) for e in raw for f in e.clip)
