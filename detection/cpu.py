"""What this CPU does to int8 models. onnxruntime multiplies uint8 activations by int8 weights; x86
CPUs without VNNI (AVX2, AVX-512 before VNNI) add those products two at a time in saturating 16-bit
sums (vpmaddubsw), so an int8 model with full 8-bit weights scores differently there (255·127·2 does
not fit in 16 bits). With 7-bit weights (-64..64, ``reduce_range``) every pair fits (255·64·2 = 32640):
the same scores on every CPU."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

EXACT_INT8 = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})
PAIR_SAFE_WEIGHT = 64  # largest |int8 weight| whose u8×s8 pair sums fit in 16 bits


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    line = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    return frozenset(line.partition(":")[2].split())


def int8_saturates(flags: frozenset[str] | None = None) -> bool:
    """True on x86 CPUs whose int8 kernels saturate 16-bit pair sums (AVX2 without VNNI or AMX)."""
    flags = cpu_flags() if flags is None else flags
    return "avx2" in flags and not flags & EXACT_INT8


def largest_int8_weight(path: Path) -> int:
    """The largest |value| among the int8 weights an int8 ONNX model dequantises."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    weights = {i.name: i for i in graph.initializer if i.data_type == onnx.TensorProto.INT8}
    inputs = {n.input[0] for n in graph.node if n.op_type == "DequantizeLinear"}
    values = [
        np.abs(numpy_helper.to_array(weights[name]).astype(np.int16)).max() for name in inputs & set(weights)
    ]
    return int(max(values, default=0))


def int8_exact_everywhere(path: Path) -> bool:
    """The model's int8 products fit the 16-bit pair sums of any CPU (made with 7-bit weights)."""
    return largest_int8_weight(path) <= PAIR_SAFE_WEIGHT
