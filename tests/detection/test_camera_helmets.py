"""Helmets in the camera loop: switched on per camera, the helmet detector is run on the motorbikes'
crops every n-th processed frame (one call per frame), the votes decide, findings come out as events
with each rider's best look; a run stopped mid-track resumes with its votes. The vehicle and helmet
detectors here are scripted (the trained helmet model is exercised in test_camera_helmets_real.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
import yaml

from detection.camera import CameraProcessor, ProcessorOptions, ViolationEvent
from detection.camera_config import CameraConfig, CameraConfigError, load_camera_config
from detection.camera_helmets import HEAD_MIN_PX, MAX_LOOKS, SETTLED_FRAMES
from detection.checkpoint import pack, unpack
from detection.helmets import MotorbikeRiders, Rider
from detection.pipeline import PlatePipeline
from detection.sources import Frame
from detection.types import Detections

START = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
FRAMES = 40
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "camera-hcm-q1-001.yaml"


def config(helmets: dict[str, Any] | None = None) -> CameraConfig:
    data: dict[str, Any] = {
        "camera": {
            "id": "CAM-HELMET",
            "version": 1,
            "resolution": [320, 240],
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
    if helmets is not None:
        data["helmets"] = helmets
    return CameraConfig.model_validate(data)


def bike_box(index: int) -> tuple[float, float, float, float]:
    x = 20 + 4 * index  # left to right
    return (x, 150.0, x + 60.0, 200.0)


class _Bikes:
    """A vehicle detector that sees one motorbike crossing the frame (frames 0..FRAMES-1)."""

    names = ("car", "motorbike", "bus", "truck")

    def __init__(self) -> None:
        self.vehicles = self
        self.provenance: dict[str, Any] = {}
        self.small = False  # 20 px tall: a head on it could never be clear

    def detect_many(self, images: list[np.ndarray], *, conf: float | None = None) -> list[Detections]:
        out = []
        for image in images:
            index = int(image[0, 0, 0])  # the frame number is painted in the corner
            x1, y1, x2, y2 = bike_box(index)
            box = np.array([(x1, y1, x2, y1 + 20 if self.small else y2)], np.float32)
            out.append(Detections(box, np.array([0.9], np.float32), np.array([1]), self.names))
        return out

    def plates_for(self, frame: np.ndarray, vehicles: Detections, **_: Any) -> list[Any]:
        return []


class _Heads:
    """A helmet detector: the driver wears a helmet, the passenger behind does not (or, ``flicker``,
    does in every other call: a vote that never settles)."""

    def __init__(self, flicker: bool = False) -> None:
        self.calls: list[int] = []
        self.flicker = flicker

    def riders(
        self, frame: np.ndarray, motorbikes: np.ndarray, travel: Any = None, neighbours: Any = None
    ) -> list[MotorbikeRiders]:
        self.calls.append(int(frame[0, 0, 0]))
        out = []
        for x1, y1, x2, _ in motorbikes:
            driver = Rider((float(x2 - 22), y1 - 30, float(x2 - 6), y1 - 12), True, 0.9, 0, False)
            worn = self.flicker and len(self.calls) % 2 == 0
            passenger = Rider((float(x1 + 8), y1 - 28, float(x1 + 24), y1 - 10), worn, 0.85, 1, False)
            out.append(MotorbikeRiders(tuple(float(v) for v in motorbikes[0]), (driver, passenger)))  # type: ignore[arg-type]
        return out


def frames() -> list[Frame]:
    out = []
    for i in range(FRAMES):
        image = np.full((240, 320, 3), 60, np.uint8)
        x1, y1, x2, y2 = (int(v) for v in bike_box(i))
        image[y1 - 35 : y2, x1:x2] = 180
        image[0, 0, 0] = i
        out.append(Frame("CAM-HELMET", i, START + timedelta(seconds=i / 25), image))
    return out


def run(processor: CameraProcessor, source: list[Frame]) -> list[ViolationEvent]:
    events = [e for f in source for e in processor.feed(f)]
    return events + processor.flush()


def processor(cfg: CameraConfig, heads: _Heads) -> CameraProcessor:
    return CameraProcessor(cfg, cast(PlatePipeline, _Bikes()), ProcessorOptions(), helmet_finder=heads)


def test_off_by_default_the_helmet_detector_is_never_called() -> None:
    heads = _Heads()
    events = run(processor(config(), heads), frames())
    assert heads.calls == [] and events == []


def test_on_every_third_frame_a_passenger_without_a_helmet() -> None:
    heads = _Heads()
    camera = processor(config({"enabled": True, "every_n_frames": 3}), heads)
    events = run(camera, frames())
    # One batched call per looked-at frame, every 3rd processed frame, until the vote is settled.
    assert heads.calls == list(range(0, 3 * SETTLED_FRAMES, 3))
    assert camera.helmets is not None and camera.helmets.frames_run == SETTLED_FRAMES
    assert camera.helmets.seen == {"worn": 1, "missing": 1}
    assert camera.helmets.mean_ms > 0
    assert sorted(e.code for e in events) == ["NO_HELMET_PASSENGER", "NO_HELMET_PASSENGER_CARRIED"]
    passenger = next(e for e in events if e.code == "NO_HELMET_PASSENGER")
    measured = passenger.finding.measured
    assert measured["rider"] == 1 and measured["fined"] == "passenger"
    assert [(r["role"], r["helmet"]) for r in measured["riders_seen"]] == [
        ("driver", "worn"),
        ("passenger", "missing"),
    ]
    # The event is timed at the last frame that shows the passenger; its frames come from the buffer.
    assert passenger.at == START + timedelta(seconds=max(measured["frames"]) / 25)
    assert passenger.frames and passenger.frames[-1].box is not None
    by_rider = {r.position: r for r in passenger.riders}
    assert set(by_rider) == {0, 1} and by_rider[1].helmet == "missing" and by_rider[0].helmet == "worn"
    head = by_rider[1].look.head_crop()
    assert head.shape[0] >= HEAD_MIN_PX and head.shape[0] >= 4 * 18
    # The head crop is cut from the bright rider area, not the dark background.
    assert head.mean() > 120


def test_an_unsettled_vote_is_looked_at_up_to_its_limit_and_decides_nothing() -> None:
    heads = _Heads(flicker=True)
    camera = processor(config({"enabled": True, "every_n_frames": 1}), heads)
    events = run(camera, frames())
    assert heads.calls == list(range(MAX_LOOKS))
    assert events == [] and camera.helmets is not None and camera.helmets.seen == {"worn": 1, "unclear": 1}


def test_a_motorbike_too_small_for_a_clear_head_is_not_looked_at() -> None:
    heads = _Heads()
    camera = processor(config({"enabled": True, "every_n_frames": 1}), heads)
    camera.pipeline.vehicles.small = True  # type: ignore[attr-defined]
    assert run(camera, frames()) == [] and heads.calls == []


def test_a_run_stopped_mid_track_resumes_with_its_votes() -> None:
    cfg = config({"enabled": True, "every_n_frames": 2})
    whole = run(processor(cfg, _Heads()), frames())
    assert {e.code for e in whole} == {"NO_HELMET_PASSENGER", "NO_HELMET_PASSENGER_CARRIED"}

    first = processor(cfg, _Heads())
    stop = 13
    for frame in frames()[: stop + 1]:
        assert first.feed(frame) == []
    assert first.live_tracks == 1
    saved, warm_from = pack(first.in_flight()), first.needs_from()
    resumed = processor(cfg, _Heads())
    resumed.restore(unpack(saved))
    after: list[ViolationEvent] = []
    for frame in frames()[warm_from or 0 :]:
        if frame.index <= stop:
            resumed.warm(frame)
        else:
            after += resumed.feed(frame)
    after += resumed.flush()

    def facts(events: list[ViolationEvent]) -> list[tuple[Any, ...]]:
        return [(e.code, e.at, e.finding.measured, [r.look.frame for r in e.riders]) for e in events]

    assert facts(after) == facts(whole)
    # The looks before the stop came through the checkpoint: without it the vote starts again.
    fresh = processor(cfg, _Heads())
    restarted = [e for f in frames()[stop + 1 :] for e in fresh.feed(f)] + fresh.flush()
    assert facts(restarted) != facts(whole)


@pytest.mark.parametrize(
    ("helmets", "offset", "expected"),
    [
        ("helmets:\n  enabled: true\n  every_n_frames: 0\n", 3, "helmets.every_n_frames: Input should be"),
        ("helmets:\n  enabled: maybe\n", 2, "helmets.enabled: Input should be a valid boolean"),
        ("helmets:\n  enabled: true\n  every: 3\n", 3, "helmets.every: Extra inputs are not permitted"),
    ],
)
def test_bad_helmet_settings_name_field_and_line(
    tmp_path: Path, helmets: str, offset: int, expected: str
) -> None:
    base = EXAMPLE.read_text()
    path = tmp_path / "camera.yaml"
    path.write_text(base + helmets)
    with pytest.raises(CameraConfigError) as info:
        load_camera_config(path)
    assert f"line {len(base.splitlines()) + offset}: {expected}" in str(info.value)


def test_helmet_settings_load_and_default_off(tmp_path: Path) -> None:
    assert load_camera_config(EXAMPLE).helmets.enabled is False
    path = tmp_path / "camera.yaml"
    path.write_text(EXAMPLE.read_text() + "helmets:\n  enabled: true\n  every_n_frames: 2\n")
    loaded = load_camera_config(path)
    assert loaded.helmets.enabled and loaded.helmets.every_n_frames == 2
    assert yaml.safe_load(path.read_text())["helmets"]["every_n_frames"] == 2


# Three motorbikes side by side, one lane each, the nearest (lowest in the image) the tallest: (top, height).
LANES = ((20.0, 40.0), (95.0, 50.0), (170.0, 60.0))


class _ThreeBikes(_Bikes):
    def detect_many(self, images: list[np.ndarray], *, conf: float | None = None) -> list[Detections]:
        out = []
        for image in images:
            x = 20 + 4 * int(image[0, 0, 0])
            boxes = np.array([(x, y, x + 60.0, y + h) for y, h in LANES], np.float32)
            out.append(Detections(boxes, np.full(3, 0.9, np.float32), np.ones(3, int), self.names))
        return out


class _HeadsPerBike(_Heads):
    def __init__(self) -> None:
        super().__init__()
        self.looked_at: list[list[float]] = []  # per call, the top of each motorbike box looked at
        self.neighbours: list[list[float]] = []  # per call, the top of each other motorbike in view

    def riders(
        self, frame: np.ndarray, motorbikes: np.ndarray, travel: Any = None, neighbours: Any = None
    ) -> list[MotorbikeRiders]:
        self.looked_at.append([float(b[1]) for b in motorbikes])
        self.neighbours.append(sorted(float(b[1]) for b in neighbours))
        return super().riders(frame, motorbikes, travel)


def _three_bikes(helmets: dict[str, Any]) -> tuple[CameraProcessor, _HeadsPerBike]:
    heads = _HeadsPerBike()
    bikes = cast(PlatePipeline, _ThreeBikes())
    camera = CameraProcessor(
        config({"enabled": True, **helmets}), bikes, ProcessorOptions(), helmet_finder=heads
    )
    return camera, heads


def test_a_busy_frame_stays_in_budget_nearest_motorbike_first() -> None:
    camera, heads = _three_bikes({})
    events = run(camera, frames())
    # Each rider crop is ≥ 200 columns wide in the input: one fits the default budget (1.1 × 320).
    assert all(len(boxes) == 1 for boxes in heads.looked_at)
    # The nearest motorbike is looked at until its vote is settled, then the next: every frame is used.
    tops = [top for top, _ in reversed(LANES)]
    assert [boxes[0] for boxes in heads.looked_at] == [t for t in tops for _ in range(SETTLED_FRAMES)]
    assert heads.calls == list(range(3 * SETTLED_FRAMES))
    # The motorbikes not looked at are still in view: they claim their own riders' heads.
    all_tops = sorted(top for top, _ in LANES)
    assert heads.neighbours == [sorted(set(all_tops) - {seen[0]}) for seen in heads.looked_at]
    assert camera.helmets is not None and camera.helmets.max_ms >= camera.helmets.mean_ms > 0
    # Each motorbike still got its settled vote: a passenger without a helmet on each.
    assert camera.helmets.seen == {"worn": 3, "missing": 3}
    codes = sorted(e.code for e in events)
    assert codes == ["NO_HELMET_PASSENGER"] * 3 + ["NO_HELMET_PASSENGER_CARRIED"] * 3


def test_a_larger_budget_and_spacing_per_motorbike() -> None:
    camera, heads = _three_bikes({"every_n_frames": 3, "input_budget": 2.0})
    run(camera, frames())
    assert all(1 <= len(boxes) <= 2 for boxes in heads.looked_at)
    assert max(len(boxes) for boxes in heads.looked_at) == 2
    looks: dict[float, list[int]] = {top: [] for top, _ in LANES}
    for frame, boxes in zip(heads.calls, heads.looked_at, strict=True):
        for top in boxes:
            looks[top].append(frame)
    for seen in looks.values():
        assert len(seen) == SETTLED_FRAMES
        assert all(b - a >= 3 for a, b in pairwise(seen))
