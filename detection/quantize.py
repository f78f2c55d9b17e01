"""Static int8 quantisation (QDQ, per-channel) of a detector, calibrated on real frames: about 1.8×
faster on a small CPU, with 7-bit weights where that costs nothing (see ``quantize``). Written beside
the fp32 model; `resolve` prefers it (TVP_MODEL_PRECISION)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from detection.models import ResolvedModel, build_lock
from detection.yolo import letterbox

CROP_SIZE = 320
# The COCO vehicle detector keeps 8-bit weights: with 7-bit ones it found 87.7 % of the fp32 vehicle
# boxes on a real clip (8-bit: 94.1 %) and missed a real red-light runner that fp32 finds. Where its
# 8-bit sums saturate (x86 without VNNI) `resolve` runs it in fp32 instead.
EIGHT_BIT_WEIGHTS = frozenset({"coco-yolov8n"})


def head_postprocess_nodes(path: Path) -> list[str]:
    """The Detect head's decoding (DFL, anchors, concat of pixel boxes with 0..1 scores) must stay
    float: one uint8 scale cannot hold both, and every score would round to zero."""
    import onnx

    names = [n.name for n in onnx.load(str(path)).graph.node]
    head = next((n.split("/dfl")[0] for n in names if "/dfl" in n), None)
    if head is None:
        return []
    return [n for n in names if n.startswith(head + "/") and "/cv2." not in n and "/cv3." not in n]


def quantize(
    model: ResolvedModel,
    frames: Sequence[np.ndarray],
    target: Path | None = None,
    *,
    reduce_range: bool | None = None,
    method: str = "MinMax",
    keep_float: Sequence[str] = (),
) -> Path:
    """Write the int8 model to ``target`` (default: beside the fp32 one in the models folder).

    ``reduce_range``: 7-bit weights (-64..64; default: all but EIGHT_BIT_WEIGHTS). x86 CPUs without
    VNNI (AVX2, AVX-512 before VNNI) add the u8×s8 products two at a time in saturating 16-bit sums;
    255·64·2 fits, 255·127·2 does not, so only 7-bit weights give the same scores on every CPU.
    ``method``: onnxruntime's CalibrationMethod (Percentile fails on frames of several sizes).
    ``keep_float``: node names left in fp32."""
    if reduce_range is None:
        reduce_range = model.name not in EIGHT_BIT_WEIGHTS
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    if not frames:
        raise ValueError("quantisation needs calibration frames")
    import onnxruntime as ort

    input_name = (
        ort.InferenceSession(str(model.path), providers=["CPUExecutionProvider"]).get_inputs()[0].name
    )
    # Whole frames at their own aspect, and the same frames as small square crops (vehicle crops)
    canvases = [letterbox(f, model.imgsz, rect=True)[0] for f in frames]
    canvases += [letterbox(f, CROP_SIZE)[0] for f in frames]
    blobs = [cv2.dnn.blobFromImage(c, 1 / 255.0, swapRB=True) for c in canvases]

    class Frames(CalibrationDataReader):
        def __init__(self) -> None:
            self._it = iter(blobs)

        def get_next(self) -> dict[str, np.ndarray] | None:
            blob = next(self._it, None)
            return None if blob is None else {input_name: blob}

    source, target = model.path.resolve(), (target or model.int8_path).resolve()  # we chdir below
    # onnxruntime's shape inference drops scratch files into the working directory: keep them in tmp
    with build_lock(target), tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
        staged = Path(tmp) / "int8.onnx"
        quantize_static(
            str(prepared),
            str(staged),
            Frames(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            weight_type=QuantType.QInt8,
            activation_type=QuantType.QUInt8,
            nodes_to_exclude=head_postprocess_nodes(prepared) + list(keep_float),
            reduce_range=reduce_range,
            calibrate_method=CalibrationMethod[method],
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staged, target)  # the temp dir may be on another filesystem
    return target
