"""`tvp opendata publish --month YYYY-MM` and `tvp opendata list`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from core.console import fail, out

opendata_app = typer.Typer(help="Anonymised open data statistics.", no_args_is_help=True)
GROUPS = {"opendata": opendata_app}


@opendata_app.command("publish")
def publish_month(
    month: Annotated[str, typer.Option("--month", help="The Vietnam month, YYYY-MM (over already)")],
    k: Annotated[
        int | None, typer.Option(min=2, help="Smallest cell published; default TVP_OPENDATA_K")
    ] = None,
    actor: Annotated[str, typer.Option(help="Who publishes (for the audit log)")] = "cli",
) -> None:
    """Count the month's confirmed violations, suppress cells below k and write violations.csv,
    violations.json and schema.json to opendata/MONTH/ in the evidence store."""
    from core.cli import _schema_or_exit, _settings_or_exit
    from core.db import session_scope
    from core.errors import AppError
    from core.evidence import EvidenceError, get_blob_store
    from penalties.opendata.service import publish

    settings = _settings_or_exit()
    _schema_or_exit()
    smallest = k or settings.opendata_k
    out.print(f"counting confirmed violations of {escape(month)} (Vietnam time), k = {smallest}…")
    try:
        store = get_blob_store(settings)
        with session_scope() as session:
            done = publish(
                session, store, month, k=smallest, licence=settings.opendata_licence, actor=f"cli:{actor}"
            )
            files = [(f.path, f.sha256, f.size_bytes) for f in done.files]
    except AppError as exc:
        raise fail(f"{exc.name}: {exc.detail}") from exc
    except EvidenceError as exc:
        raise fail(f"evidence store: {exc}") from exc
    agg = done.aggregate
    published = sum(c.violations for _, c in agg.rows)
    out.print(
        f"{agg.source_violations} violations → {len(agg.rows)} rows ({published} violations published, "
        f"{agg.merged} small cells merged up, {agg.dropped_violations} violations left out)"
    )
    for path, sha, size in files:
        state = "written" if path.rsplit("/", 1)[-1] in done.changed else "unchanged"
        out.print(f"  {path}  {size} bytes  sha256 {sha[:16]}…  {state}")


@opendata_app.command("list")
def list_published() -> None:
    """Every published open data file."""
    from core.cli import _schema_or_exit, _settings_or_exit
    from core.db import session_scope
    from core.time import format_local
    from penalties.opendata.service import list_files

    _settings_or_exit()
    _schema_or_exit()
    with session_scope(writes=False) as session:
        files = list_files(session)
        if not files:
            out.print("nothing published yet: `tvp opendata publish --month YYYY-MM`")
        for f in files:
            out.print(
                f"{f.path}  {f.rows} rows  k={f.k}  {f.size_bytes} bytes  sha256 {f.sha256[:16]}…  "
                f"published {format_local(f.published_at)} (Vietnam)"
            )
