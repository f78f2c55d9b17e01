"""The `tvp` command tree: one plugin convention (GROUPS / COMMANDS), groups named after what they hold."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import typer
from sqlalchemy.orm import Session
from typer.core import TyperGroup
from typer.testing import CliRunner

from core.cli import PluginShapeError, add_package_commands, app

ROOT = Path(__file__).resolve().parents[2]

# Every group with the commands it must hold ("" is the top level). Other packages may add more.
TREE = {
    "": {"serve", "worker", "demo", "process", "replay", "db", "seed", "audit", "jobs", "users"}
    | {"plates", "models", "cameras", "footage", "registry", "evidence", "runs", "identity"},
    "db": {"upgrade", "downgrade", "current", "check"},
    "seed": {"demo"},
    "audit": {"verify", "anchor"},
    "jobs": {"list", "retry", "canary"},
    "users": {"create", "set-password", "set-roles"},
    "plates": {"read"},
    "models": {"list", "train-plates", "quantize"},
    "cameras": {"check", "calibrate-light", "run"},
    "footage": {"generate"},
    "registry": {"serve"},
    "evidence": {"verify"},
    "runs": {"list"},
    "identity": {"fixtures", "read-qr", "read-mrz", "read-chip"},
}


def _visible(group: Any) -> dict[str, Any]:
    return {name: cmd for name, cmd in group.commands.items() if not cmd.hidden}


def test_command_tree_names_what_each_group_holds() -> None:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    top = _visible(root)
    assert TREE[""] <= set(top), sorted(TREE[""] - set(top))
    for name, expected in TREE.items():
        if not name:
            continue
        group = top[name]
        assert isinstance(group, TyperGroup)
        assert expected <= set(_visible(group)), (name, sorted(expected - set(_visible(group))))
    # each group holds only its own kind: no processing under `evidence`, no models under `plates`
    assert set(_visible(top["evidence"])) == {"verify"}
    assert set(_visible(top["plates"])) == {"read"}
    assert set(_visible(top["runs"])) == {"list"}


def test_every_group_and_command_has_help() -> None:
    def walk(command: Any, path: str) -> None:
        assert (command.help or command.short_help or "").strip(), f"`{path}` has no help text"
        if isinstance(command, TyperGroup):
            for name, sub in _visible(command).items():
                walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "tvp")


def test_old_camera_run_is_a_hidden_alias() -> None:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    alias = root.commands["camera"]
    assert alias.hidden and isinstance(alias, TyperGroup)
    old, new = alias.commands["run"], root.commands["cameras"].commands["run"]  # type: ignore[attr-defined]
    assert [p.name for p in old.params] == [p.name for p in new.params]
    assert old.callback.__name__ == new.callback.__name__ == "camera_run"  # type: ignore[union-attr]
    listing = CliRunner().invoke(app, ["--help"])
    assert listing.exit_code == 0 and "cameras" in listing.output
    assert not any(line.split()[1:2] == ["camera"] for line in listing.output.splitlines())
    assert CliRunner().invoke(app, ["camera", "run", "--help"]).exit_code == 0


def _module(name: str, **attrs: Any) -> ModuleType:
    module = ModuleType(name)
    for key, value in attrs.items():
        setattr(module, key, value)
    return module


def _group(*commands: str) -> typer.Typer:
    group = typer.Typer(help="a group")
    for command in commands:
        group.command(command)(lambda: None)
    return group


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ({"app": typer.Typer(), "NAME": "old"}, "neither GROUPS nor COMMANDS"),
        ({"GROUPS": [typer.Typer()]}, "GROUPS must be a dict"),
        ({"GROUPS": {"things": "not a Typer"}}, "GROUPS must be a dict"),
        ({"COMMANDS": {"thing": typer.Typer()}}, "COMMANDS must be a dict"),
        ({"COMMANDS": {"serve": lambda: None}}, "`tvp serve` is already taken"),
        ({"GROUPS": {"db": _group("more")}}, "clashes"),
    ],
    ids=["old-shape", "groups-list", "groups-str", "command-typer", "command-taken", "group-taken"],
)
def test_wrong_shape_fails_at_start_up(attrs: dict[str, Any], message: str) -> None:
    root = typer.Typer()
    root.command("serve")(lambda: None)
    root.add_typer(_group("upgrade"), name="db")
    with pytest.raises(PluginShapeError, match=message):
        add_package_commands(root, [_module("somepkg.cli", **attrs)])


def test_packages_share_a_group_but_not_a_command() -> None:
    root = typer.Typer()
    low = _module("low.cli", GROUPS={"things": _group("check")})
    high = _module("high.cli", GROUPS={"things": _group("run")})
    add_package_commands(root, [low, high])
    top = typer.main.get_command(root)
    assert isinstance(top, TyperGroup)
    things = top.commands["things"]
    assert isinstance(things, TyperGroup) and things.help == "a group"
    assert set(things.commands) == {"check", "run"}
    again = _module("again.cli", GROUPS={"things": _group("run")})
    with pytest.raises(PluginShapeError, match="`tvp things run` is declared twice"):
        add_package_commands(typer.Typer(), [low, high, again])


def test_python_m_core_cli_runs(db: Session, database_url: str) -> None:
    env = {**os.environ, "TVP_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "core.cli", "db", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert "agree" in done.stdout
