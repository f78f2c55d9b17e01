"""`tvp cameras add|list`: camera configuration versions in the database. The same `tvp cameras` group
holds `check` and `calibrate-light` (a file, from detection) and `run` (a live camera, from runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from core.console import err, out

cameras_app = typer.Typer(
    help="Cameras: configuration files and their stored versions.", no_args_is_help=True
)


@cameras_app.command("add")
def cameras_add(
    file: Annotated[Path, typer.Argument(help="Camera configuration YAML")],
    actor: Annotated[
        str, typer.Option(help="Who registers it (recorded with the version and audited)")
    ] = "cli",
) -> None:
    """Register a configuration file as a version of its camera; the camera's row follows the newest
    version. The same text again changes nothing; a changed file needs a higher camera.version."""
    from core.cli import _schema_or_exit, _settings_or_exit
    from core.db import session_scope
    from core.errors import AppError
    from detection.camera_config import CameraConfigError
    from penalties.cameras.config import load_camera
    from penalties.cameras.service import register_loaded

    _settings_or_exit()
    try:
        loaded = load_camera(file)
        _schema_or_exit()
        with session_scope() as session:
            camera, version = register_loaded(session, loaded, actor=actor)
            code, number, sha = camera.code, version.version, version.sha256
    except (CameraConfigError, AppError) as exc:
        err.print(f"[red]✗ {exc}[/]")
        raise typer.Exit(2) from exc
    out.print(f"[green]✓[/] {code} version {number} (sha256 {sha[:12]}…)")


@cameras_app.command("list")
def cameras_list() -> None:
    """Every camera with its newest configuration version."""
    from core.cli import _schema_or_exit, _settings_or_exit
    from core.db import session_scope
    from core.time import format_local
    from penalties.cameras.service import list_cameras, newest_config

    _settings_or_exit()
    _schema_or_exit()
    table = Table("code", "name", "version", "sha256", "updated (ICT)", "by")
    with session_scope(writes=False) as session:
        for camera in list_cameras(session):
            newest = newest_config(session, camera)
            if newest is None:
                table.add_row(camera.code, camera.name, "—", "—", "—", "—")
                continue
            table.add_row(
                camera.code,
                camera.name,
                str(newest.version),
                newest.sha256[:12],
                format_local(newest.created_at, "%d/%m/%Y %H:%M:%S"),
                newest.created_by,
            )
    out.print(table)


GROUPS = {"cameras": cameras_app}
