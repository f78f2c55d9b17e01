"""TVP_MODEL_PRECISION=auto takes an int8 detector only where it scores as it was measured: on CPUs
with VNNI or AMX, or anywhere when its weights are 7-bit (x86 CPUs without VNNI saturate the 16-bit
sums of 8-bit ones); otherwise fp32, saying why."""

import logging
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from core.config import reset_settings
from detection.cpu import int8_exact_everywhere, int8_saturates, largest_int8_weight
from detection.models import SHIPPED, resolve, sha256_file, shipped_manifest

AVX2_ONLY = frozenset({"sse4_2", "avx", "avx2", "fma"})
PLATE_VN_SHA = sha256_file(SHIPPED / "plate-vn.pt")[:12]


@pytest.mark.parametrize(
    ("flags", "saturates"),
    [
        (AVX2_ONLY, True),
        (AVX2_ONLY | {"avx512f", "avx512bw"}, True),  # Skylake-X: AVX-512 without VNNI
        (AVX2_ONLY | {"avx512f", "avx512_vnni"}, False),
        (AVX2_ONLY | {"avx_vnni"}, False),
        (AVX2_ONLY | {"amx_int8"}, False),
        (frozenset({"fp", "asimd", "asimddp"}), False),  # Arm
        (frozenset(), False),
    ],
)
def test_which_cpus_saturate_int8_sums(flags: frozenset[str], saturates: bool) -> None:
    assert int8_saturates(flags) is saturates


def int8_model(path: Path, weight: list[int]) -> Path:
    """A minimal QDQ graph: int8 weights dequantised and added to the input."""
    w = numpy_helper.from_array(np.array(weight, np.int8), "w")
    scale = numpy_helper.from_array(np.array(0.01, np.float32), "scale")
    nodes = [
        helper.make_node("DequantizeLinear", ["w", "scale"], ["wf"]),
        helper.make_node("Add", ["x", "wf"], ["y"]),
    ]
    io = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [len(weight)]) for n in ("x", "y")]
    graph = helper.make_graph(nodes, "g", [io[0]], [io[1]], [w, scale])
    onnx.save(helper.make_model(graph), str(path))
    return path


def test_seven_bit_weights_are_exact_everywhere(tmp_path: Path) -> None:
    assert largest_int8_weight(int8_model(tmp_path / "a.onnx", [3, -64, 64])) == 64
    assert int8_exact_everywhere(tmp_path / "a.onnx")
    assert largest_int8_weight(int8_model(tmp_path / "b.onnx", [3, -65])) == 65
    assert not int8_exact_everywhere(tmp_path / "b.onnx")
    assert largest_int8_weight(int8_model(tmp_path / "c.onnx", [-128])) == 128


def test_shipped_int8_files_record_their_weight_bits() -> None:
    manifest = shipped_manifest()
    for name, entry in manifest.items():
        bits = 7 if int8_exact_everywhere(SHIPPED / entry["file"]) else 8
        assert entry["weight_bits"] == bits, name
    assert manifest["plate-vn"]["weight_bits"] == 7  # plate reads are the same on every CPU


@pytest.fixture
def avx2_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("detection.cpu.cpu_flags", lambda: AVX2_ONLY)


@pytest.fixture
def fake_fp32(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    built: list[Path] = []

    def export(source: Path, target: Path) -> None:
        built.append(target)
        target.write_bytes(b"fp32 export of " + source.name.encode())

    monkeypatch.setattr("detection.models.export_onnx", export)
    return built


def local_int8(models: Path, weight: list[int]) -> Path:
    models.mkdir(parents=True, exist_ok=True)
    return int8_model(models / f"plate-vn-{PLATE_VN_SHA}-dynamic-int8.onnx", weight)


def use(monkeypatch: pytest.MonkeyPatch, precision: str) -> None:
    monkeypatch.setenv("TVP_MODEL_PRECISION", precision)
    reset_settings()
    resolve.cache_clear()


def test_eight_bit_int8_gives_way_to_fp32_on_a_cpu_without_vnni(
    own_data_dir: Path,
    avx2_only: None,
    fake_fp32: list[Path],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    local_int8(own_data_dir / "models", [127, -3])
    with caplog.at_level(logging.INFO, logger="detection.models"):
        model = resolve("plate-vn")
    assert model.precision == "fp32" and fake_fp32 == [model.path]
    assert "plate-vn: fp32" in caplog.text and "saturate" in caplog.text
    use(monkeypatch, "int8")  # asked for by name: taken whatever the CPU
    assert resolve("plate-vn").precision == "int8"


def test_seven_bit_int8_is_used_on_a_cpu_without_vnni(
    own_data_dir: Path, avx2_only: None, fake_fp32: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    made = local_int8(own_data_dir / "models", [64, -64, 5])
    with caplog.at_level(logging.INFO, logger="detection.models"):
        model = resolve("plate-vn")
    assert model.precision == "int8" and model.path == made and fake_fp32 == []
    assert "7-bit weights" in caplog.text


def test_eight_bit_int8_is_used_where_the_cpu_has_vnni(
    own_data_dir: Path,
    fake_fp32: list[Path],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr("detection.cpu.cpu_flags", lambda: AVX2_ONLY | {"avx512_vnni"})
    made = local_int8(own_data_dir / "models", [127, -128])
    with caplog.at_level(logging.INFO, logger="detection.models"):
        model = resolve("plate-vn")
    assert model.precision == "int8" and model.path == made and fake_fp32 == []
    assert "adds int8 products exactly" in caplog.text
