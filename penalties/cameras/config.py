"""A camera configuration as loaded: the configuration, its YAML text and the hash of that text."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from detection.camera_config import CameraConfig, parse_camera_config, read_camera_text


@dataclass(frozen=True)
class LoadedCamera:
    config: CameraConfig
    sha256: str
    path: Path | None  # None: from the database
    text: str = ""


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def camera_from_text(
    text: str, *, source: str = "camera configuration", path: Path | None = None
) -> LoadedCamera:
    """Validate a configuration's text (errors name the field and its line)."""
    return LoadedCamera(parse_camera_config(text, source=source), text_sha256(text), path, text)


def load_camera(path: Path) -> LoadedCamera:
    return camera_from_text(read_camera_text(path), source=str(path), path=Path(path))
