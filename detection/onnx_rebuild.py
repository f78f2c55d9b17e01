"""Rebuild an Ultralytics YOLOv8 detection model (PyTorch) from a fixed-shape ONNX export of it.

The exporter fuses each convolution with its batch norm and keeps the module names, so the ONNX
initializers are exactly the state dict of the fused model built from the same YAML.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from detection.ultralytics_env import load_yolo


class NotAYoloExport(ValueError):
    pass


def rebuild_yolo(onnx_path: Path, target: Path) -> Path:
    import onnx
    import torch
    from onnx import numpy_helper

    graph = onnx.load(str(onnx_path))
    meta = {p.key: p.value for p in graph.metadata_props}
    match = re.search(r"YOLO(v8[nsmlx])", meta.get("description", ""))
    if meta.get("task") != "detect" or match is None or "names" not in meta:
        raise NotAYoloExport(f"{onnx_path} is not an Ultralytics YOLOv8 detection export")
    weights = {
        init.name: torch.from_numpy(numpy_helper.to_array(init).copy())
        for init in graph.graph.initializer
        if init.name.startswith("model.")
    }
    names = ast.literal_eval(meta["names"])
    if len(names) != 80:
        raise NotAYoloExport(f"{onnx_path}: only 80-class (COCO) models can be rebuilt, not {len(names)}")
    yolo = load_yolo(f"yolo{match.group(1)}.yaml")
    yolo.model.fuse()
    state = yolo.model.state_dict()
    missing = sorted(k for k in state if k not in weights and not k.endswith(("anchors", "strides")))
    wrong = sorted(k for k in weights if k not in state or state[k].shape != weights[k].shape)
    if missing or wrong:
        raise NotAYoloExport(f"{onnx_path}: weights do not match yolo{match.group(1)} ({missing + wrong})")
    state.update(weights)
    yolo.model.load_state_dict(state)
    yolo.model.names = names
    target.parent.mkdir(parents=True, exist_ok=True)
    yolo.save(str(target))
    return target
