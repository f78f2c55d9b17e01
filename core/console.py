"""The consoles every `tvp` command prints to, and the one way a command fails with a message."""

from __future__ import annotations

import typer
from rich.console import Console

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` in red on stderr and return the Exit to raise (``raise fail(...)``)."""
    err.print(f"[red]{message}[/]")
    return typer.Exit(code)
