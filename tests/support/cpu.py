"""What the CPU does to the shipped int8 detectors. x86 CPUs without VNNI (AVX2 only) compute the
u8×s8 products of onnxruntime's int8 kernels with saturating 16-bit sums, so the same int8 model gives
slightly different scores there: cases at the model's margin flip (on the held-out vn_real_dev photos,
94.5 % exact on an AVX2-only EPYC against 96.6 % where VNNI is present; fp32 95.9 %)."""

from __future__ import annotations

from pathlib import Path

import pytest


def _flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    line = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    return set(line.partition(":")[2].split())


def int8_saturates() -> bool:
    flags = _flags()
    return "avx2" in flags and not flags & {"avx512_vnni", "avx_vnni", "amx_int8"}


int8_margin = pytest.mark.xfail(
    int8_saturates(),
    reason="a case at the int8 model's margin: it flips on CPUs without VNNI (tests/support/cpu.py)",
    strict=False,
)
