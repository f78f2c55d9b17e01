"""`tvp payments reconcile --day YYYY-MM-DD [--gateway NAME]`: one day's reconciliation, by hand."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from core.console import fail, out

payments_app = typer.Typer(help="Payments: reconciliation with the gateways.", no_args_is_help=True)
GROUPS = {"payments": payments_app}


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@payments_app.command("reconcile")
def reconcile(
    day: Annotated[str, typer.Option(help="The Vietnam day to compare, YYYY-MM-DD")],
    gateway: Annotated[
        str | None, typer.Option(help="Only this gateway (default: every gateway used that day)")
    ] = None,
) -> None:
    """Compare the gateways' report of DAY with our payments; list what differs (rerunning is safe)."""
    from core import audit
    from core.cli import _schema_or_exit, _settings_or_exit
    from core.db import session_scope
    from payments.reconciliation.service import gateways_of_day, reconcile_gateway

    the_day = _day(day)
    _settings_or_exit()
    _schema_or_exit()
    with session_scope() as session:
        names = [gateway] if gateway else gateways_of_day(session, the_day)
        if not names:
            out.print(f"{the_day}: no payments created or paid that day; nothing to reconcile")
            return
        runs = []
        for name in names:
            out.print(f"{the_day} · {name}: asking the gateway …")
            run = reconcile_gateway(session, name, the_day, actor=f"{audit.SYSTEM}:cli")
            runs.append(run)
            out.print(
                f"{the_day} · {name}: {run.status} · {run.gateway_lines} gateway lines, "
                f"{run.our_payments} payments of ours · {run.found} new mismatches, "
                f"{run.seen_again} already listed, {run.unchecked} unchecked"
                + (f" · {run.error}" if run.error else "")
            )
    if any(run.status == "failed" for run in runs):
        raise fail("a gateway could not be reconciled (see above); run it again later", code=1)
