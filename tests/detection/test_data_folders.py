"""Commands that learn from or render labelled photos take the folder from the operator: the shared
development sets beside this repository are a test and bench default, never a product default."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.cli import app


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["models", "train-plates"], "pass --photos FOLDER"),
        (["models", "quantize"], "pass --photos FOLDER"),
        (["models", "quantize", "--ship"], "--ship needs --datasets FOLDER"),
        (["footage", "generate", "OUT"], "Missing option '--photos'"),
    ],
)
def test_no_photo_folder_is_assumed(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Run where ../shared/datasets exists (the repository's own folder), so an assumed default would be found.
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    result = CliRunner().invoke(app, [a.replace("OUT", str(tmp_path / "out")) for a in args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "out").exists()
