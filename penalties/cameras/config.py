"""A camera configuration file as loaded: the configuration and the hash of its text."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from detection.camera_config import CameraConfig, load_camera_config


@dataclass(frozen=True)
class LoadedCamera:
    config: CameraConfig
    sha256: str
    path: Path | None  # None: built in code (demo data)


def load_camera(path: Path) -> LoadedCamera:
    config = load_camera_config(path)
    return LoadedCamera(config, hashlib.sha256(Path(path).read_bytes()).hexdigest(), Path(path))
