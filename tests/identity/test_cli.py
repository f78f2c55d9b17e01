from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.cli import app
from core.config import reset_settings


def test_fixtures_then_read_them_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["identity", "fixtures", str(tmp_path), "--count", "2", "--seed", "4"])
    assert result.exit_code == 0, result.output
    home = tmp_path / "citizen-001"
    citizen = json.loads((home / "citizen.json").read_text(encoding="utf-8"))
    assert {p.name for p in (home / "chip").iterdir()} == {"dg1.bin", "dg2.bin", "dg13.bin", "sod.bin"}

    monkeypatch.setenv("TVP_IDENTITY_CSCA_DIR", str(tmp_path / "csca"))
    reset_settings()
    try:
        result = runner.invoke(app, ["identity", "read-chip", str(home / "chip")])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["record"]["id12"] == citizen["id12"]

        result = runner.invoke(app, ["identity", "read-qr", str(home / "front.png")])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["full_name"] == citizen["full_name"]

        (home / "chip" / "dg13.bin").write_bytes((home / "chip" / "dg13.bin").read_bytes()[:-1] + b"!")
        result = runner.invoke(app, ["identity", "read-chip", str(home / "chip")])
        assert result.exit_code == 2 and "chip.dg_hash" in result.output
    finally:
        monkeypatch.delenv("TVP_IDENTITY_CSCA_DIR")
        reset_settings()

    result = runner.invoke(app, ["identity", "read-mrz", str(tmp_path / "missing.png")])
    assert result.exit_code == 2 and "cannot read" in result.output
