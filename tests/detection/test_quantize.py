"""`tvp models quantize`: int8 detectors calibrated on real frames, preferred once present."""

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from core.cli import app
from core.config import reset_settings
from detection.cpu import int8_exact_everywhere
from detection.images import load_image
from detection.models import plate_detector_name, resolve, resolve_fp32
from detection.yolo import YoloDetector
from tests.support.datasets import labelled


def test_quantized_detectors_are_used_and_agree_with_fp32(
    own_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as on a CPU with VNNI, where auto takes 8-bit int8 files too (the CPU's say: test_int8_cpu)
    monkeypatch.setattr("detection.cpu.cpu_flags", lambda: frozenset({"avx2", "avx512_vnni"}))
    eu = labelled("openalpr_eu")
    result = CliRunner().invoke(
        app, ["models", "quantize", "--frames", "6", "--photos", str(eu[0].image.parent.parent)]
    )
    assert result.exit_code == 0, result.output
    int8 = resolve("coco-yolov8n")
    assert int8.precision == "int8" and int8.path.name.endswith("-dynamic-int8.onnx")
    assert resolve(plate_detector_name()).precision == "int8"
    assert not int8_exact_everywhere(int8.path)  # the vehicle detector keeps 8-bit weights
    assert int8_exact_everywhere(resolve(plate_detector_name()).path)  # the plate detector: 7-bit
    fp32 = YoloDetector(resolve_fp32("coco-yolov8n"), agnostic=True)
    quant = YoloDetector(int8, agnostic=True)
    agree = 0
    for item in eu[:10]:
        frame = load_image(item.image)
        a, b = fp32.detect(frame), quant.detect(frame)
        if len(a) and len(b):
            from detection.types import iou

            agree += iou(a.xyxy[:1], b.xyxy).max() >= 0.8
        else:
            agree += len(a) == len(b)
    assert agree >= 8, f"{agree}/10 frames agree"


def test_precision_fp32_ignores_int8(own_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TVP_MODEL_PRECISION", "fp32")
    reset_settings()
    assert resolve("coco-yolov8n").precision == "fp32"
    assert np.isfinite(len(resolve("coco-yolov8n").sha256))
