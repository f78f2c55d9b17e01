"""The recogniser's graph rewritten in memory (ocr/rec_graph.py): fewer nodes, the same probabilities."""

import random
from collections import Counter

import cv2
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from core.onnx import ort_session
from ocr.rec_graph import Folded, lean_graph
from ocr.recognizer import SHIPPED_RECOGNIZER, LineRecognizer, rapidocr_model
from ocr.render import Layout, degrade, random_spec, render_plate


def _run(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    session = ort_session(model.SerializeToString(), 1)
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def _plate_batch() -> np.ndarray:
    """Three rendered, degraded plate lines as the recogniser's input (48 px high, values in -1..1)."""
    rng = random.Random(5)
    batch = np.zeros((3, 3, 48, 240), np.float32)
    for i in range(3):
        line = degrade(render_plate(random_spec(rng, Layout.car_long)), rng, target_width=180)
        width = min(240, round(48 * line.shape[1] / line.shape[0]))
        resized = cv2.resize(line, (width, 48)).astype(np.float32)
        batch[i, :, :, :width] = (resized.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5
    return batch


@pytest.mark.parametrize("path", [SHIPPED_RECOGNIZER, None], ids=["shipped", "stock"])
def test_the_lean_recogniser_gives_the_same_probabilities(path) -> None:
    model = onnx.load(str(path or rapidocr_model()))
    lean, folded = lean_graph(model)
    # PPLCNetV3: 28 convs with an affine block and a hardswish after; 12 of the affine blocks after the
    # hardswish feed a 1x1 conv, the 16 others a padded depthwise conv.
    assert folded == Folded(conv_affine=28, hardswish=28, affine_conv=12, affine_as_conv=16)
    ops = Counter(n.op_type for n in lean.graph.node)
    had = Counter(n.op_type for n in model.graph.node)
    assert ops["Clip"] == 0 and ops["HardSigmoid"] == had["HardSigmoid"] + 28  # 2 in the SE blocks
    assert sum(ops.values()) < len([n for n in model.graph.node if n.op_type != "Constant"])
    onnx.checker.check_model(lean)
    x = _plate_batch()
    before, after = _run(model, x), _run(lean, x)
    assert before.shape == after.shape
    assert float(np.abs(before - after).max()) < 1e-4
    assert (before.argmax(axis=2) == after.argmax(axis=2)).all()


def test_the_recognizer_runs_the_lean_graph() -> None:
    session = LineRecognizer(SHIPPED_RECOGNIZER).session
    plain = ort_session(SHIPPED_RECOGNIZER)
    x = _plate_batch()
    name = plain.get_inputs()[0].name
    assert float(np.abs(session.run(None, {name: x})[0] - plain.run(None, {name: x})[0]).max()) < 1e-4


def _const(name: str, value: np.ndarray | float) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(value, np.float32).reshape(np.shape(value) or (1,)), name)


def _block(
    nodes: list, inits: list, x: str, out: str, k: int, rng: np.random.Generator, channels: int = 4
) -> str:
    """Conv → Mul(scale, ·) → Add(bias) → hardswish (four ops) → Mul(scale) → Add(bias), as paddle2onnx
    writes PPLCNetV3's blocks."""
    p = out
    inits += [
        _const(f"{p}_w", rng.normal(size=(channels, channels, k, k)) * 0.3),
        _const(f"{p}_b", rng.normal(size=channels) * 0.1),
        _const(f"{p}_s1", 1.3),
        _const(f"{p}_c1", -0.2),
        _const(f"{p}_s2", 0.7),
        _const(f"{p}_c2", 0.4),
    ]
    nodes += [
        helper.make_node(
            "Conv", [x, f"{p}_w", f"{p}_b"], [f"{p}_conv"], kernel_shape=[k, k], pads=[k // 2] * 4
        ),
        helper.make_node("Mul", [f"{p}_s1", f"{p}_conv"], [f"{p}_m1"]),
        helper.make_node("Add", [f"{p}_m1", f"{p}_c1"], [f"{p}_a1"]),
        helper.make_node("Add", [f"{p}_a1", "three"], [f"{p}_a3"]),
        helper.make_node("Clip", [f"{p}_a3", "zero", "six"], [f"{p}_clip"]),
        helper.make_node("Mul", [f"{p}_a1", f"{p}_clip"], [f"{p}_hm"]),
        helper.make_node("Div", [f"{p}_hm", "six"], [f"{p}_hs"]),
        helper.make_node("Mul", [f"{p}_s2", f"{p}_hs"], [f"{p}_m2"]),
        helper.make_node("Add", [f"{p}_m2", f"{p}_c2"], [out]),
    ]
    return out


def _tiny(kernels: list[int], extra_output: str | None = None) -> onnx.ModelProto:
    rng = np.random.default_rng(1)
    nodes: list = []
    inits = [_const("three", 3.0), _const("zero", 0.0), _const("six", 6.0)]
    x = "x"
    for i, k in enumerate(kernels):
        x = _block(nodes, inits, x, f"b{i}", k, rng)
    outputs = [helper.make_tensor_value_info(x, TensorProto.FLOAT, None)]
    if extra_output:
        outputs.append(helper.make_tensor_value_info(extra_output, TensorProto.FLOAT, None))
    graph = helper.make_graph(
        nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 6, 10])], outputs, inits
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)], ir_version=8)


def test_each_pattern_is_folded_exactly_on_a_small_graph() -> None:
    # 3x3 (padded) → 1x1 → 3x3 (padded): the affine block before the 1x1 conv goes into it, the one
    # before the padded conv and the last one (the graph's output) become 1x1 depthwise convs.
    model = _tiny([3, 1, 3])
    lean, folded = lean_graph(model)
    assert folded == Folded(conv_affine=3, hardswish=3, affine_conv=1, affine_as_conv=2)
    x = np.random.default_rng(2).normal(size=(1, 4, 6, 10)).astype(np.float32)
    assert np.allclose(_run(model, x), _run(lean, x), atol=1e-5)
    ops = Counter(n.op_type for n in lean.graph.node)
    assert ops == Counter({"Conv": 5, "HardSigmoid": 3, "Mul": 3})


def test_a_conv_output_used_elsewhere_is_not_folded() -> None:
    model = _tiny([3], extra_output="b0_conv")  # the conv's own output is wanted too
    lean, folded = lean_graph(model)
    assert folded.conv_affine == 0 and folded.hardswish == 1
    x = np.random.default_rng(3).normal(size=(1, 4, 6, 10)).astype(np.float32)
    for before, after in zip(_run_all(model, x), _run_all(lean, x), strict=True):
        assert np.allclose(before, after, atol=1e-5)


def _run_all(model: onnx.ModelProto, x: np.ndarray) -> list[np.ndarray]:
    session = ort_session(model.SerializeToString(), 1)
    return session.run(None, {"x": x})
