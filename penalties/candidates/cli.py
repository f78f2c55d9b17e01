"""`tvp evidence verify`: the candidates' evidence files, each camera's chain and the signed anchors."""

from __future__ import annotations

from typing import Annotated

import typer

from core.console import err, fail, out

evidence_app = typer.Typer(help="Evidence packages of violation candidates.", no_args_is_help=True)
GROUPS = {"evidence": evidence_app}


@evidence_app.command("verify")
def evidence_verify(
    camera: Annotated[str | None, typer.Option(help="Only this camera code")] = None,
) -> None:
    """Check every candidate's files against its manifest, each camera's chain and the signed anchors of
    the chains; exits 1 on a problem."""
    from sqlalchemy import select

    from core.anchors import load_anchors
    from core.cli import _settings_or_exit, print_anchor_note
    from core.db import session_scope
    from core.evidence import get_blob_store
    from penalties.cameras.models import Camera
    from penalties.candidates.chains import PREFIX, verify_anchored, verify_chain, verify_head
    from penalties.candidates.evidence import verify_candidate
    from penalties.candidates.models import ViolationCandidate

    _settings_or_exit()
    store = get_blob_store()
    anchors = load_anchors()
    problems: list[str] = list(anchors.problems)
    checked = 0
    with session_scope(writes=False) as session:
        query = select(Camera).order_by(Camera.code)
        if camera:
            query = query.where(Camera.code == camera)
        cameras = session.scalars(query).all()
        if camera and not cameras and PREFIX + camera not in anchors.chains(PREFIX):
            raise fail(f"no camera {camera}")
        for cam in cameras:
            problems += verify_chain(session, cam)
            problems += verify_head(session, cam)
            for candidate in session.scalars(
                select(ViolationCandidate).where(ViolationCandidate.camera_id == cam.id)
            ):
                checked += 1
                problems += verify_candidate(session, store, candidate)
        problems += verify_anchored(session, anchors, camera)
    for problem in problems:
        err.print(f"[red]✗[/] {problem}")
    if problems:
        err.print(f"[bold red]evidence check FAILED[/]: {len(problems)} problems in {checked} candidates")
        raise typer.Exit(1)
    out.print(f"[green]evidence intact[/]: {checked} candidates, {len(cameras)} camera chains verified")
    print_anchor_note(anchors)
