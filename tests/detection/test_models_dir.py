"""One models folder per machine, shared by every data dir, and built by one process at a time."""

import threading
import time
from pathlib import Path

import pytest

from core.config import get_settings, reset_settings
from detection.models import build_lock, resolve_fp32, sha256_file


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("TVP_MODELS_DIR", raising=False)
    yield monkeypatch
    monkeypatch.undo()
    reset_settings()


def test_default_is_the_user_cache_whatever_the_data_dir(settings_env, tmp_path: Path) -> None:
    settings_env.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    dirs = []
    for data in ("a", "b"):
        settings_env.setenv("TVP_DATA_DIR", str(tmp_path / data))
        reset_settings()
        dirs.append(get_settings().resolved_models_dir)
    assert dirs == [tmp_path / "cache" / "tvp" / "models"] * 2
    settings_env.delenv("XDG_CACHE_HOME")
    settings_env.setenv("HOME", str(tmp_path / "home"))
    reset_settings()
    assert get_settings().resolved_models_dir == tmp_path / "home" / ".cache" / "tvp" / "models"
    settings_env.setenv("TVP_MODELS_DIR", str(tmp_path / "mine"))
    reset_settings()
    assert get_settings().resolved_models_dir == tmp_path / "mine"


def test_build_lock_lets_one_builder_in_at_a_time(tmp_path: Path) -> None:
    inside: list[int] = []
    overlaps: list[int] = []

    def build(n: int) -> None:
        with build_lock(tmp_path / "model.onnx"):
            if inside:
                overlaps.append(n)
            inside.append(n)
            time.sleep(0.05)
            inside.remove(n)

    threads = [threading.Thread(target=build, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == [] and inside == []


def test_two_processes_resolving_at_once_export_once(
    own_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second resolver waits for the first's export and uses its file."""
    calls: list[Path] = []

    def slow_export(source: Path, target: Path) -> None:
        calls.append(target)
        time.sleep(0.3)
        target.write_bytes(b"exported " + source.name.encode())

    monkeypatch.setattr("detection.models.export_onnx", slow_export)
    results = []
    threads = [threading.Thread(target=lambda: results.append(resolve_fp32("plate-vn"))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(results) == 2
    assert results[0].path == results[1].path == calls[0]
    assert calls[0].parent == own_data_dir / "models"
    assert results[0].sha256 == sha256_file(calls[0])
