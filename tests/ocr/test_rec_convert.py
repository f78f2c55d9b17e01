"""The stock recogniser as a torch module with a plate-symbol head (ocr.rec_convert) and the choice of
recogniser model (a shipped fine-tune, checked against its JSON; the stock one on request)."""

import json
import random
from pathlib import Path

import numpy as np
import pytest

from ocr import recognizer as rec
from ocr.foreign import AnyTextPlateReader
from ocr.rec_convert import load_onnx_weights, max_abs_diff, to_onnx, to_torch
from ocr.recognizer import SYMBOLS, LineRecognizer, ModelMismatch, rapidocr_model
from ocr.render import Layout, degrade, random_spec, render_plate


def _plate_lines(n: int = 3) -> list[np.ndarray]:
    rng = random.Random(3)
    return [degrade(render_plate(random_spec(rng, Layout.car_long)), rng, target_width=180) for _ in range(n)]


def _batch(images: list[np.ndarray]) -> np.ndarray:
    from detection.rec_train import to_batch

    return to_batch(images)[0]


@pytest.fixture(scope="module")
def converted():
    return to_torch(rapidocr_model())


def test_torch_module_reproduces_the_stock_restricted_probabilities(converted) -> None:
    assert max_abs_diff(converted, rapidocr_model(), _batch(_plate_lines())) < 1e-4


def test_untrained_export_reads_as_the_stock_model(converted, tmp_path: Path) -> None:
    path = tmp_path / "plate-rec.onnx"
    to_onnx(converted, rapidocr_model(), path, {"character": "\n".join(SYMBOLS)})
    ours, stock = LineRecognizer(path), LineRecognizer(rapidocr_model())
    assert ours.session.get_outputs()[0].shape[-1] == len(SYMBOLS) + 1
    assert list(ours.columns) == list(range(len(SYMBOLS) + 1))
    lines = [*_plate_lines(), np.full((30, 400, 3), 200, np.uint8)]  # another batch width too
    for a, b in zip(ours.recognize(lines), stock.recognize(lines), strict=True):
        assert [s.best for s in a] == [s.best for s in b]
        assert np.allclose([s.probs for s in a], [s.probs for s in b], atol=1e-4)


def test_a_written_fine_tune_loads_back_for_more_training(converted, tmp_path: Path) -> None:
    import torch

    changed = to_torch(rapidocr_model())
    with torch.no_grad():
        for param in changed.parameters():
            param.add_(0.01)
    path = tmp_path / "plate-rec.onnx"
    to_onnx(changed, rapidocr_model(), path, {"character": "\n".join(SYMBOLS)})
    loaded = load_onnx_weights(to_torch(rapidocr_model()), rapidocr_model(), path).state_dict()
    for key, value in changed.state_dict().items():
        assert torch.equal(loaded[key], value), key
    trained = next(name for name, _ in changed.named_parameters())
    assert not torch.equal(converted.state_dict()[trained], loaded[trained])


def test_a_model_that_does_not_match_its_json_is_refused(tmp_path: Path) -> None:
    model = tmp_path / "plate-rec.onnx"
    model.write_bytes(rapidocr_model().read_bytes())
    model.with_suffix(".json").write_text(json.dumps({"name": "plate-rec", "sha256": "0" * 64}))
    with pytest.raises(ModelMismatch):
        LineRecognizer(model).recognize(_plate_lines(1))


def test_default_model_is_the_shipped_fine_tune_unless_stock_is_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = tmp_path / "plate-rec.onnx"
    monkeypatch.setattr(rec, "SHIPPED_RECOGNIZER", shipped)
    monkeypatch.delenv(rec.RECOGNIZER_ENV, raising=False)
    assert LineRecognizer().model_path == rapidocr_model()  # nothing shipped
    shipped.write_bytes(b"x")
    assert LineRecognizer().model_path == shipped
    foreign = AnyTextPlateReader()  # foreign plates: the fine-tune, the stock model as second opinion
    assert foreign.recognizer.model_path == shipped
    assert foreign.second_opinion is not None and foreign.second_opinion.model_path == rapidocr_model()
    monkeypatch.setenv(rec.RECOGNIZER_ENV, str(shipped))
    assert AnyTextPlateReader().recognizer.model_path == shipped
    monkeypatch.setenv(rec.RECOGNIZER_ENV, "stock")
    assert AnyTextPlateReader().second_opinion is None  # the stock model asks no one
    monkeypatch.setenv(rec.RECOGNIZER_ENV, "stock")
    assert LineRecognizer().model_path == rapidocr_model()
    monkeypatch.setenv(rec.RECOGNIZER_ENV, str(tmp_path / "other.onnx"))
    assert LineRecognizer().model_path == tmp_path / "other.onnx"
