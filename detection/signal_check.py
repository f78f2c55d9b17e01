"""What an operator checks on a camera's own footage: the signal timeline each head is read as, and
the lamps of each head learned from the footage (a YAML block for the camera file)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import cv2
import numpy as np
import yaml

from detection.camera_config import CameraConfig, SignalHeadConfig
from detection.light import Lamp, LightReader
from detection.light_calibration import calibrate_head
from detection.rules.base import Light
from detection.sources import VideoFileSource

T0 = datetime(2000, 1, 1, tzinfo=UTC)  # footage times are printed as seconds from its start
STATE_BGR = {
    Light.red: (40, 40, 230),
    Light.amber: (20, 170, 250),
    Light.green: (80, 200, 40),
    Light.unknown: (90, 90, 90),
}


@dataclass(frozen=True)
class HeadTimeline:
    name: str
    changes: list[tuple[float, Light]]  # seconds from the footage's start, state from then on


def _heads(config: CameraConfig) -> list[SignalHeadConfig]:
    if config.traffic_light is None or not config.traffic_light.signal_heads():
        raise ValueError(f"camera {config.camera.id} has no signal head (traffic_light.heads or region)")
    return config.traffic_light.signal_heads()


def read_timelines(config: CameraConfig, footage: Path) -> tuple[list[HeadTimeline], float]:
    """Each head's state changes over the footage, read as `tvp process` reads them; and the duration."""
    heads = _heads(config)
    readers = [LightReader(h.box, lamps=[Lamp.of(lamp) for lamp in h.lamps]) for h in heads]
    end = 0.0
    for frame in VideoFileSource(config.camera.id, footage, started_at=T0).frames():
        end = (frame.captured_at - T0).total_seconds()
        for reader in readers:
            reader.update(frame.captured_at, frame.image)
    timelines = [
        HeadTimeline(h.name, [((t - T0).total_seconds(), s) for t, s in r.timeline.changes])
        for h, r in zip(heads, readers, strict=True)
    ]
    return timelines, end


def draw_timelines(timelines: list[HeadTimeline], duration: float, width: int = 960) -> np.ndarray:
    """One coloured bar per head (grey: unknown), with a tick every 5 s."""
    row = 28
    img = np.full((row * len(timelines) + 24, width, 3), 255, np.uint8)
    scale = (width - 130) / max(duration, 1e-6)
    for k, tl in enumerate(timelines):
        y = k * row + 4
        cv2.putText(img, tl.name[:14], (4, y + 18), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        bounds = [*tl.changes, (duration, Light.unknown)]
        x0 = 120
        cv2.rectangle(img, (x0, y), (x0 + round(duration * scale), y + row - 6), STATE_BGR[Light.unknown], -1)
        for (start, state), (stop, _) in pairwise(bounds):
            a, b = x0 + round(start * scale), x0 + round(stop * scale)
            cv2.rectangle(img, (a, y), (max(a + 1, b), y + row - 6), STATE_BGR[state], -1)
    base = row * len(timelines) + 18
    for s in range(0, int(duration) + 1, 5):
        x = 120 + round(s * scale)
        cv2.putText(img, f"{s}", (x, base), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 0, 0), 1, cv2.LINE_AA)
    return img


def calibrate_lamps(config: CameraConfig, footage: Path, max_frames: int = 3000) -> dict[str, list[Lamp]]:
    """Each head's lamps learned from (at most ``max_frames`` of) the footage."""
    heads = _heads(config)
    crops: dict[str, list[np.ndarray]] = {h.name: [] for h in heads}
    for frame in VideoFileSource(config.camera.id, footage, started_at=T0).frames():
        if frame.index >= max_frames:
            break
        for h in heads:
            x1, y1, x2, y2 = h.box
            crops[h.name].append(frame.image[y1:y2, x1:x2].copy())
    out: dict[str, list[Lamp]] = {}
    for h in heads:
        x1, y1, x2, y2 = h.box
        local = calibrate_head(crops[h.name], (0, 0, x2 - x1, y2 - y1))
        out[h.name] = [
            replace(lamp, centre=(round(lamp.centre[0] + x1, 1), round(lamp.centre[1] + y1, 1)))
            for lamp in local
        ]
    return out


def lamps_yaml(config: CameraConfig, lamps: dict[str, list[Lamp]]) -> str:
    """The camera file's traffic_light section with the learned lamps (feed_url kept)."""
    light = config.traffic_light
    assert light is not None
    heads = []
    for head in light.signal_heads():
        data = head.model_dump(mode="json", exclude={"lamps"})
        data["box"] = list(head.box)
        data["lamps"] = [
            {k: v for k, v in lamp.config().model_dump(mode="json").items() if v is not None}
            for lamp in lamps[head.name]
        ]
        for lamp in data["lamps"]:
            lamp["centre"] = list(lamp["centre"])
        heads.append(data)
    section: dict[str, object] = {"heads": heads}
    if light.feed_url:
        section["feed_url"] = light.feed_url
    return yaml.safe_dump({"traffic_light": section}, sort_keys=False, default_flow_style=None)
