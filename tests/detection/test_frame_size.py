"""Frames of another size than the camera file's resolution are refused, never stretched."""

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from core.cli import app
from detection.camera import CameraProcessor
from detection.camera_config import load_camera_config
from detection.frame_size import FrameSizeError, frame_size_problem
from detection.pipeline import PlatePipeline
from detection.sources import Frame, SourceError, VideoFileSource
from tests.support.datasets import real_clip

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "camera-hcm-q1-001.yaml"  # 1920×1080
LTK = ROOT / "bench" / "cameras" / "hanoi-ltk-hang-bai.yaml"  # 640×480


def first_frame(path: Path, camera_id: str) -> Frame:
    return next(iter(VideoFileSource(camera_id, path).frames()))


def test_real_clip_matches_its_camera_file_and_not_another() -> None:
    clip = real_clip("hanoi_ly_thuong_kiet_hang_bai_red_to_green.mp4")
    ltk, example = load_camera_config(LTK), load_camera_config(EXAMPLE)
    frame = first_frame(clip, ltk.camera.id)
    assert frame_size_problem(ltk, frame.image) is None
    problem = frame_size_problem(example, frame.image)
    assert problem is not None
    assert "frames are 640×480 but the camera file's camera.resolution is 1920×1080" in problem
    assert "aspect 1.333 vs 1.778" in problem


def test_processor_refuses_a_stretched_frame_before_detecting() -> None:
    config = load_camera_config(EXAMPLE)
    # No detector runs: the size check comes first.
    processor = CameraProcessor(config, cast(PlatePipeline, SimpleNamespace(vehicles=None)))
    odd = Frame(config.camera.id, 0, datetime.now(UTC), np.zeros((720, 1006, 3), np.uint8))
    with pytest.raises(FrameSizeError, match="frames are 1006×720") as info:
        processor.feed(odd)
    assert isinstance(info.value, SourceError)  # the CLI reports it like any unusable source
    with pytest.raises(FrameSizeError):
        processor.warm(odd)
    assert processor.frames_seen == 0


def test_same_aspect_says_the_scale() -> None:
    config = load_camera_config(EXAMPLE)
    problem = frame_size_problem(config, np.zeros((540, 960, 3), np.uint8))
    assert problem is not None and "same aspect, scale 0.5" in problem
    assert "resolution: [960, 540]" in problem


def test_cameras_check_refuses_a_frame_of_another_size(tmp_path: Path) -> None:
    frame = tmp_path / "frame.png"
    cv2.imwrite(str(frame), np.zeros((720, 1006, 3), np.uint8))
    result = CliRunner().invoke(
        app, ["cameras", "check", str(EXAMPLE), "--frame", str(frame), "--out", str(tmp_path / "o.png")]
    )
    assert result.exit_code == 1
    assert "frames are 1006×720" in " ".join(result.output.split())
    assert not (tmp_path / "o.png").exists()
