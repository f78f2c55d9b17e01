"""The README's screenshots without a browser: the pictures it shows are the shots the browser tests take
(tests/support/screenshots.SHOTS), each is committed as a PNG of its viewport's width, and
scripts/screenshots.sh runs every test that takes one."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from tests.support.screenshots import ENV, SHOTS, shoot

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "docs" / "screenshots"
SCRIPT = ROOT / "scripts" / "screenshots.sh"


def _shown() -> list[str]:
    return re.findall(r"docs/screenshots/([A-Za-z0-9_-]+)\.png", (ROOT / "README.md").read_text())


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_the_readme_shows_every_shot_and_only_those() -> None:
    assert sorted(set(_shown())) == sorted(SHOTS)


def test_every_shown_picture_is_committed_at_its_viewport_width() -> None:
    for name in set(_shown()):
        path = FOLDER / f"{name}.png"
        assert path.is_file(), f"README shows {path.relative_to(ROOT)}: run scripts/screenshots.sh"
        width, height = _png_size(path)
        assert width == SHOTS[name]["width"] and height >= SHOTS[name]["height"], name
    assert sum(p.stat().st_size for p in FOLDER.glob("*.png")) < 3_000_000  # the repository stays small


def test_the_script_runs_every_test_that_takes_a_shot() -> None:
    run = set(re.findall(r"tests/web/\S+\.py::\w+", SCRIPT.read_text()))
    taken: dict[str, str] = {}
    for source in sorted((ROOT / "tests" / "web").glob("test_browser*.py")):
        test = None
        for line in source.read_text().splitlines():
            if found := re.match(r"def (test_\w+)\(", line):
                test = found.group(1)
            for name in re.findall(r"shoot\(\w+, \"([\w-]+)\"", line):
                taken[name] = f"{source.relative_to(ROOT)}::{test}"
    assert sorted(taken) == sorted(SHOTS)
    assert run >= set(taken.values()), "scripts/screenshots.sh misses a test that takes a shot"


def test_an_unknown_shot_fails_even_without_the_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    with pytest.raises(ValueError, match="unknown screenshot 'queue'"):
        shoot(object(), "queue")
    assert shoot(object(), "review-page") is None  # without the folder the page is not touched
