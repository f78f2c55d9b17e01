"""The stock PP-OCRv4 recogniser as a trainable torch module with a plate-symbol head, and back to ONNX.

The ONNX graph (exported by paddle2onnx) keeps its weights in Constant nodes and its conv outputs
without shapes, which onnx2torch cannot convert as it is: the constants are moved into initializers
and the batch norms' inputs are declared 4-D. The 6625-class classifier is cut to the blank and the
plate symbols (its matching columns, so an untrained model reads exactly as the stock one restricted
to plate symbols), and its softmax is left to the caller: the torch module returns logits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx

from ocr.recognizer import SYMBOLS

HEAD_WEIGHT, HEAD_BIAS = "linear_85.w_0", "linear_85.b_0"


def stock_columns(model: onnx.ModelProto) -> list[int]:
    """The stock model's class index of the blank and of each plate symbol, in SYMBOLS order."""
    chars = {m.key: m.value for m in model.metadata_props}["character"].splitlines()
    index = {c: i + 1 for i, c in enumerate(chars)}  # class 0 is the CTC blank
    return [0] + [index[c] for c in SYMBOLS]


def plate_head_graph(stock: Path) -> onnx.ModelProto:
    """The stock graph with constants as initializers, a 39-class head and no final softmax."""
    model = onnx.load(str(stock))
    columns = stock_columns(model)
    graph = model.graph
    nodes = []
    for node in graph.node:
        if node.op_type == "Constant" and [a.name for a in node.attribute] == ["value"]:
            tensor = onnx.helper.get_attribute_value(node.attribute[0])
            tensor.name = node.output[0]
            if tensor.name == HEAD_WEIGHT:
                tensor = onnx.numpy_helper.from_array(
                    onnx.numpy_helper.to_array(tensor)[:, columns], HEAD_WEIGHT
                )
            elif tensor.name == HEAD_BIAS:
                tensor = onnx.numpy_helper.from_array(onnx.numpy_helper.to_array(tensor)[columns], HEAD_BIAS)
            graph.initializer.append(tensor)
        else:
            nodes.append(node)
    softmax = nodes[-1]
    if softmax.op_type != "Softmax":
        raise ValueError(f"unexpected stock graph: last node is {softmax.op_type}, not Softmax")
    logits = softmax.input[0]
    del graph.node[:]
    graph.node.extend(nodes[:-1])
    del graph.output[:]
    graph.output.append(onnx.helper.make_tensor_value_info(logits, onnx.TensorProto.FLOAT, None))
    model = onnx.shape_inference.infer_shapes(model)
    shapes = {v.name: v for v in model.graph.value_info}
    for node in model.graph.node:
        if node.op_type == "BatchNormalization":
            known = shapes.get(node.input[0])
            if known is not None:
                model.graph.value_info.remove(known)
            model.graph.value_info.append(
                onnx.helper.make_tensor_value_info(
                    node.input[0], onnx.TensorProto.FLOAT, ["n", "c", "h", "w"]
                )
            )
    return model


def to_torch(stock: Path) -> Any:
    """The stock recogniser as a torch module: (N, 3, 48, W) normalised images → (N, W/8, 39) logits.
    Float weight tensors held as initializers (the attention and linear layers) become parameters."""
    import torch
    from onnx2torch import convert

    module = convert(plate_head_graph(stock))
    container = module.initializers
    for name, buffer in list(container.named_buffers(recurse=False)):
        if buffer.dtype == torch.float32 and buffer.numel() > 1:
            delattr(container, name)
            container.register_parameter(name, torch.nn.Parameter(buffer.clone()))
    return module


def onnx_names(module: Any, graph: onnx.ModelProto) -> dict[str, str]:
    """Each tensor of ``module``'s state → the ONNX initializer it came from (found through the torch
    module named after each ONNX node, and the argument position of each initializer)."""
    nodes = {n.name: n for n in graph.graph.node}
    names: dict[str, str] = {}
    for fx_node in module.graph.nodes:
        if fx_node.op == "call_module" and str(fx_node.target).replace("/", ".") in nodes:
            onnx_node = nodes[fx_node.target.replace("/", ".")]
            if onnx_node.op_type == "Conv":
                names[f"{fx_node.target}.weight"] = onnx_node.input[1]
                if len(onnx_node.input) > 2:
                    names[f"{fx_node.target}.bias"] = onnx_node.input[2]
            elif onnx_node.op_type == "BatchNormalization":
                for key, k in (("weight", 1), ("bias", 2), ("running_mean", 3), ("running_var", 4)):
                    names[f"{fx_node.target}.{key}"] = onnx_node.input[k]
        if fx_node.op == "get_attr":
            for user in fx_node.users:
                onnx_node = nodes[str(user.target).replace("/", ".")]
                names[str(fx_node.target)] = onnx_node.input[list(user.args).index(fx_node)]
    return names


def to_onnx(module: Any, stock: Path, path: Path, metadata: dict[str, str]) -> None:
    """The trained module written back into the stock graph (same nodes, so the same dynamic batch and
    width and the same speed), with a 39-class softmax output and ``metadata`` (e.g. the symbols)."""
    graph = plate_head_graph(stock)
    del graph.graph.value_info[:]
    names = onnx_names(module, graph)
    state = {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}
    initializers = {t.name: t for t in graph.graph.initializer}
    for key, onnx_name in names.items():
        old = initializers[onnx_name]
        value = state[key].astype(onnx.helper.tensor_dtype_to_np_dtype(old.data_type)).reshape(old.dims)
        old.CopyFrom(onnx.numpy_helper.from_array(value, onnx_name))
    logits = graph.graph.output[0].name
    graph.graph.node.append(onnx.helper.make_node("Softmax", [logits], ["probs"], axis=2))
    del graph.graph.output[:]
    graph.graph.output.append(
        onnx.helper.make_tensor_value_info(
            "probs", onnx.TensorProto.FLOAT, ["batch", "time", len(SYMBOLS) + 1]
        )
    )
    del graph.metadata_props[:]
    for key, value in metadata.items():
        entry = graph.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(graph)
    onnx.save(graph, str(path))


def load_onnx_weights(module: Any, stock: Path, model: Path) -> Any:
    """``module`` (from ``to_torch(stock)``) given the weights of ``model``, a fine-tune written by
    ``to_onnx`` into the same stock graph (to train it further). Returns the module."""
    import torch

    tensors = {t.name: t for t in onnx.load(str(model)).graph.initializer}
    state = module.state_dict()
    for key, onnx_name in onnx_names(module, plate_head_graph(stock)).items():
        value = onnx.numpy_helper.to_array(tensors[onnx_name])
        state[key] = torch.from_numpy(value.astype(np.float32).reshape(tuple(state[key].shape)).copy())
    module.load_state_dict(state)
    return module


def max_abs_diff(module: Any, stock: Path, batch: np.ndarray) -> float:
    """How far the torch module's restricted probabilities are from the stock ONNX model's on ``batch``
    (the stock probabilities renormalised over blank + SYMBOLS, as LineRecognizer does)."""
    import onnxruntime as ort
    import torch

    session = ort.InferenceSession(str(stock), providers=["CPUExecutionProvider"])
    stock_probs = session.run(None, {session.get_inputs()[0].name: batch})[0]
    columns = stock_columns(onnx.load(str(stock), load_external_data=False))
    restricted = stock_probs[:, :, columns]
    restricted /= restricted.sum(axis=2, keepdims=True)
    with torch.no_grad():
        ours = torch.softmax(module.eval()(torch.from_numpy(batch)), dim=2).numpy()
    return float(np.abs(ours - restricted).max())
