"""`tvp registry serve`: the national vehicle registration stand-in as its own HTTP service."""

from __future__ import annotations

import random
from typing import Annotated

import typer
from rich.console import Console

registry_app = typer.Typer(help="The vehicle registration service stand-in.", no_args_is_help=True)
GROUPS = {"registry": registry_app}
out = Console(soft_wrap=True)


@registry_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8100,
    citizens: Annotated[int, typer.Option(help="Generated owners when its database is empty")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed of the generated data")] = 2026,
    faults: Annotated[bool, typer.Option("--faults", help="Allow POST /_faults (latency, errors)")] = False,
) -> None:
    """Serve plate → vehicle → owner on its own database (TVP_REGISTRY_DATABASE_URL)."""
    import uvicorn
    from sqlalchemy.orm import sessionmaker

    from core.cli import _settings_or_exit
    from registry.seed import seed_demo
    from registry.standin import create_standin_app

    settings = _settings_or_exit()
    url = settings.registry_database_url or f"sqlite:///{settings.data_dir / 'registry.sqlite3'}"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    standin = create_standin_app(url, settings.registry_api_key, faults_switch=faults, seed=seed)
    with sessionmaker(standin.state.standin.engine)() as session:
        counts = seed_demo(session, random.Random(seed), citizens=citizens, audited=False)
        session.commit()
    if counts["citizens"]:
        out.print(f"generated {counts['citizens']} owners and {counts['vehicles']} vehicles")
    out.print(f"registration service stand-in on http://{host}:{port} (X-Api-Key: TVP_REGISTRY_API_KEY)")
    uvicorn.run(standin, host=host, port=port, log_level="info")
