"""The int8 detectors shipped in detection/weights: used by default with nothing to export, checked
against their recorded SHA-256, agreeing with fp32 on real footage; TVP_MODEL_PRECISION=fp32 and newer
weights fall back to fp32."""

import shutil
from pathlib import Path

import cv2
import pytest

from core.config import reset_settings
from detection.models import (
    SHIPPED,
    ModelNotFound,
    resolve,
    resolve_fp32,
    sha256_file,
    shipped_manifest,
)
from detection.types import iou
from detection.yolo import YoloDetector
from tests.support.datasets import real_clip

NAMES = ("coco-yolov8n", "plate-vn")


@pytest.fixture(autouse=True)
def vnni_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a CPU with VNNI, where auto takes every shipped int8 file (the CPU's say: test_int8_cpu)."""
    monkeypatch.setattr("detection.cpu.cpu_flags", lambda: frozenset({"avx2", "avx512_vnni"}))


@pytest.fixture
def no_export(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    built: list[Path] = []

    def export(source: Path, target: Path) -> None:
        built.append(target)
        target.write_bytes(b"fp32 export of " + source.name.encode())

    monkeypatch.setattr("detection.models.export_onnx", export)
    monkeypatch.setattr("detection.onnx_rebuild.rebuild_yolo", lambda *_: pytest.fail("rebuilt"))
    return built


def test_manifest_names_each_file_with_its_provenance() -> None:
    manifest = shipped_manifest()
    assert set(NAMES) <= set(manifest)
    total = 0
    for name in NAMES:
        entry = manifest[name]
        path = SHIPPED / entry["file"]
        assert entry["precision"] == "int8" and sha256_file(path) == entry["sha256"]
        assert "vn_real" in entry["calibration"]
        total += path.stat().st_size
    assert total < 15 * 2**20


def test_fresh_clone_uses_the_shipped_int8_without_exporting(own_data_dir: Path, no_export) -> None:
    for name in NAMES:
        model = resolve(name)
        entry = shipped_manifest()[name]
        assert model.precision == "int8" and model.path == SHIPPED / entry["file"]
        assert model.provenance == {
            "name": name,
            "sha256": entry["sha256"],
            "file": entry["file"],
            "precision": "int8",
        }
    assert no_export == []


def test_fp32_on_request_and_for_weights_the_int8_was_not_made_from(
    own_data_dir: Path, no_export, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TVP_MODEL_PRECISION", "fp32")
    reset_settings()
    resolve.cache_clear()
    assert resolve("plate-vn").precision == "fp32" and len(no_export) == 1
    monkeypatch.setenv("TVP_MODEL_PRECISION", "auto")
    reset_settings()
    resolve.cache_clear()
    newer = own_data_dir / "models" / "plate-vn.pt"  # as `tvp models train-plates` installs it
    newer.write_bytes(b"newly trained weights")
    model = resolve("plate-vn")
    assert model.precision == "fp32" and model.source == newer and len(no_export) == 2
    monkeypatch.setenv("TVP_MODEL_PRECISION", "int8")
    reset_settings()
    resolve.cache_clear()
    with pytest.raises(ModelNotFound, match="no int8 version of plate-vn"):
        resolve("plate-vn")


def test_a_damaged_shipped_file_is_refused(
    own_data_dir: Path, no_export, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    weights = tmp_path / "weights"
    shutil.copytree(SHIPPED, weights)
    entry = shipped_manifest()["coco-yolov8n"]
    damaged = weights / entry["file"]
    damaged.write_bytes(damaged.read_bytes()[:-10])
    monkeypatch.setattr("detection.models.SHIPPED", weights)
    monkeypatch.setattr("detection.models.SHIPPED_INT8", weights / "int8.json")
    with pytest.raises(ModelNotFound, match="does not match the SHA-256"):
        resolve("coco-yolov8n")


def test_shipped_int8_finds_the_vehicles_fp32_finds_on_real_footage() -> None:
    fp32 = YoloDetector(resolve_fp32("coco-yolov8n"), conf=0.3)
    int8 = YoloDetector(resolve("coco-yolov8n"), conf=0.3)
    assert resolve("coco-yolov8n").precision == "int8"
    found = matched = 0
    for clip in ("hanoi_giang_vo_lang_ha_green_to_red_queue.mp4", "vn_arterial_underpass_handheld_speed.mp4"):
        cap = cv2.VideoCapture(str(real_clip(clip)))
        total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        for k in range(4):
            cap.set(cv2.CAP_PROP_POS_FRAMES, total * k // 4)
            ok, frame = cap.read()
            assert ok
            a, b = fp32.detect(frame), int8.detect(frame)
            found += len(a)
            if len(a) and len(b):
                matched += int((iou(a.xyxy, b.xyxy).max(axis=1) >= 0.7).sum())
        cap.release()
    assert found >= 20 and matched / found >= 0.85, f"{matched}/{found}"
