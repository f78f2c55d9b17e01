"""`tvp citizen-app receiver`: run the example webhook receiver of an app backend."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

citizen_app = typer.Typer(help="Citizen-app delivery tools.", no_args_is_help=True)
GROUPS = {"citizen-app": citizen_app}


@citizen_app.command("receiver")
def receiver(
    secret: Annotated[
        str, typer.Option(help="The endpoint's signing secret (whsec_…)", envvar="TVP_RECEIVER_SECRET")
    ],
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8765,
    host: Annotated[str, typer.Option(help="Address to bind")] = "127.0.0.1",
    store: Annotated[Path, typer.Option(help="SQLite file of received messages")] = Path("receiver.sqlite"),
) -> None:
    """Verify Standard Webhooks signatures, store each webhook-id once; POST /webhook, GET /messages."""
    import uvicorn

    from citizen_app_api.delivery.receiver import create_receiver_app

    uvicorn.run(create_receiver_app(secret, store), host=host, port=port, log_level="warning")
