"""PP-OCRv4 text-line recognition (the ONNX model inside rapidocr-onnxruntime, Apache-2.0), run directly
on onnxruntime so that we keep the per-character probabilities, restricted to plate characters.

By default the plate fine-tune shipped in ocr/weights/ (`tvp models train-rec`; 39 classes: blank and
SYMBOLS, its sha256 checked against the JSON beside it) is used when present; ``TVP_RECOGNIZER=stock``
(or ``model_path``) selects the stock 6625-class model, ``TVP_RECOGNIZER=PATH`` another file. The
foreign-plate reader uses the same model, with the stock one as a second opinion on an unsure first
character."""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import cv2
import numpy as np

from core.onnx import ort_session

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SEPARATORS = "-."
SYMBOLS = ALPHABET + SEPARATORS  # index 0 of the restricted distribution is the CTC blank
REC_HEIGHT = 48
MIN_WIDTH = REC_HEIGHT * 2
MAX_PADDING = 1.3  # a batch's widest image is at most this many times its narrowest (after MIN_WIDTH)
SHIPPED_RECOGNIZER = Path(__file__).parent / "weights" / "plate-rec.onnx"
RECOGNIZER_ENV = "TVP_RECOGNIZER"  # "stock": the stock model; a path: that model; unset: the shipped one


class ModelMissing(FileNotFoundError):
    pass


class ModelMismatch(ValueError):
    """A model file whose sha256 is not the one its JSON records."""


def rapidocr_model(name: str = "ch_PP-OCRv4_rec_infer.onnx") -> Path:
    try:
        import rapidocr_onnxruntime
    except ImportError as exc:
        raise ModelMissing("rapidocr-onnxruntime is not installed; it ships the PP-OCRv4 models") from exc
    path = Path(rapidocr_onnxruntime.__file__).parent / "models" / name
    if not path.exists():
        raise ModelMissing(f"{name} not found (looked in {path.parent})")
    return path


def default_model() -> Path:
    """The recogniser used when none is given: $TVP_RECOGNIZER, else the shipped fine-tune, else stock."""
    choice = os.environ.get(RECOGNIZER_ENV, "").strip()
    if choice == "stock":
        return rapidocr_model()
    if choice:
        return Path(choice)
    return SHIPPED_RECOGNIZER if SHIPPED_RECOGNIZER.exists() else rapidocr_model()


def foreign_default_model() -> Path:
    """The recogniser for foreign plates (``--grammar any``) when none is given: the same as for
    Vietnamese plates (AnyTextPlateReader asks the stock model for a second opinion on an unsure first
    character)."""
    return default_model()


def manifest(model: Path) -> dict | None:
    """The JSON beside a model (name, sha256, training), after checking the file against it."""
    path = model.with_suffix(".json")
    if not path.exists():
        return None
    info = json.loads(path.read_text())
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    if info.get("sha256") != digest:
        raise ModelMismatch(
            f"{model.name}: sha256 {digest[:16]}… is not {str(info.get('sha256'))[:16]}… ({path.name})"
        )
    return info


@dataclass(frozen=True)
class Slot:
    """One emitted character: its probabilities over SYMBOLS (no blank)."""

    probs: np.ndarray

    @property
    def best(self) -> str:
        return SYMBOLS[int(self.probs.argmax())]

    @property
    def confidence(self) -> float:
        return float(self.probs.max())


class LineRecognizer:
    def __init__(self, model_path: Path | None = None, threads: int | None = None):
        self.model_path = Path(model_path) if model_path else default_model()
        self.threads = threads

    @cached_property
    def manifest(self) -> dict | None:
        return manifest(self.model_path)

    @property
    def provenance(self) -> dict[str, str]:
        info = self.manifest
        if info is None:
            return {"name": "PP-OCRv4 rec (rapidocr-onnxruntime)", "file": self.model_path.name}
        return {"name": str(info["name"]), "file": self.model_path.name, "sha256": str(info["sha256"])}

    @cached_property
    def session(self):  # type: ignore[no-untyped-def]
        """The model with its backbone's affine blocks and hardswishes folded (ocr/rec_graph.py: the
        same function in fewer passes)."""
        import onnx

        from ocr.rec_graph import lean_graph

        _ = self.manifest  # checked before it is used
        lean, _folded = lean_graph(onnx.load(str(self.model_path)))
        return ort_session(lean.SerializeToString(), self.threads)

    @cached_property
    def columns(self) -> np.ndarray:
        chars = self.session.get_modelmeta().custom_metadata_map["character"].splitlines()
        index = {c: i + 1 for i, c in enumerate(chars)}  # the model's class 0 is the CTC blank
        return np.array([0] + [index[c] for c in SYMBOLS])

    def recognize(self, images: list[np.ndarray]) -> list[list[Slot]]:
        """Each BGR text-line image → its characters, with probabilities restricted to plate symbols.
        Images of similar width share a batch (a batch is padded to its widest image, and the model's
        time grows with the padded width: a one-line plate's long rows would slow every short row)."""
        widths = [max(1, math.ceil(REC_HEIGHT * img.shape[1] / max(1, img.shape[0]))) for img in images]
        slots: list[list[Slot]] = [[] for _ in images]
        for group in width_groups(widths):
            for i, read in zip(
                group,
                self._recognize_batch([images[i] for i in group], [widths[i] for i in group]),
                strict=True,
            ):
                slots[i] = read
        return slots

    def _recognize_batch(self, images: list[np.ndarray], widths: list[int]) -> list[list[Slot]]:
        batch_w = max(max(widths), MIN_WIDTH)
        batch = np.zeros((len(images), 3, REC_HEIGHT, batch_w), np.float32)
        for i, (img, w) in enumerate(zip(images, widths, strict=True)):
            if img.ndim == 2:
                img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
            resized = cv2.resize(img, (w, REC_HEIGHT), interpolation=cv2.INTER_LINEAR).astype(np.float32)
            batch[i, :, :, :w] = (resized.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5
        preds = self.session.run(None, {self.session.get_inputs()[0].name: batch})[0]
        restricted = preds[:, :, self.columns]
        restricted /= restricted.sum(axis=2, keepdims=True) + 1e-9
        return [
            self._decode(seq[: max(1, math.ceil(w / 8))]) for seq, w in zip(restricted, widths, strict=True)
        ]

    @staticmethod
    def _decode(seq: np.ndarray) -> list[Slot]:
        """Greedy CTC: collapse repeats, drop blanks; each character keeps its most confident frame."""
        best = seq.argmax(axis=1)
        slots: list[Slot] = []
        prev, run_best = 0, None
        for t, cls in enumerate(best):
            if cls != prev:
                if prev != 0 and run_best is not None:
                    slots.append(Slot(run_best[1:] / max(1e-9, run_best[1:].sum())))
                run_best = seq[t] if cls != 0 else None
            elif cls != 0 and run_best is not None and seq[t, cls] > run_best[cls]:
                run_best = seq[t]
            prev = cls
        if prev != 0 and run_best is not None:
            slots.append(Slot(run_best[1:] / max(1e-9, run_best[1:].sum())))
        return slots


def width_groups(widths: list[int]) -> list[list[int]]:
    """Indices of ``widths`` in batches of similar padded width, narrowest first."""
    groups: list[list[int]] = []
    narrowest = 0
    for i in sorted(range(len(widths)), key=lambda i: widths[i]):
        w = max(widths[i], MIN_WIDTH)
        if groups and w <= narrowest * MAX_PADDING:
            groups[-1].append(i)
        else:
            groups.append([i])
            narrowest = w
    return groups
