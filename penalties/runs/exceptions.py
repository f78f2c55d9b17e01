from __future__ import annotations

from core.errors import NotFound


class RunNotFound(NotFound):
    """No processing run with this id."""
