"""`tvp analytics rebuild --from YYYY-MM-DD --to YYYY-MM-DD`: backfill the dashboard's aggregate."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from core.console import err, fail, out

analytics_app = typer.Typer(help="Analytics: the IOC dashboard's daily aggregate.", no_args_is_help=True)
GROUPS = {"analytics": analytics_app}
MAX_DAYS = 3660  # ten years: a typo such as 0226 for 2026 is refused instead of run for centuries


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@analytics_app.command("rebuild")
def rebuild(
    first: Annotated[str, typer.Option("--from", help="First Vietnam day, YYYY-MM-DD")],
    last: Annotated[str, typer.Option("--to", help="Last Vietnam day (included), YYYY-MM-DD")],
) -> None:
    """Recount every Vietnam day from FROM to TO from the base tables (one transaction per day, so an
    interrupted rebuild keeps the days it finished; rerunning is safe)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from analytics.refresh import days_between, refresh_day
    from core.cli import _schema_or_exit, _settings_or_exit
    from core.db import session_scope

    start, end = _day(first), _day(last)
    if start > end:
        raise fail(f"--from {start} is after --to {end}")
    days = days_between(start, end)
    if len(days) > MAX_DAYS:
        raise fail(f"{len(days)} days asked; rebuild at most {MAX_DAYS} days at a time")
    _settings_or_exit()
    _schema_or_exit()
    rows = 0
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        bar = progress.add_task("counting days", total=len(days))
        for day in days:
            with session_scope() as session:
                rows += refresh_day(session, day)
            progress.update(bar, advance=1, description=f"counting {day}")
    out.print(f"{len(days)} days rebuilt, {start} to {end}: {rows} aggregate rows")
