"""Business errors of reconciliation (rendered as {"error": Name, "detail": ...})."""

from __future__ import annotations

from core.errors import Conflict, InvalidInput, NotFound


class MismatchNotFound(NotFound):
    """No such mismatch."""


class ResolutionRefused(Conflict):
    """This action does not fit this mismatch (already resolved, wrong kind, the decision already paid…)."""


class NoteRequired(InvalidInput):
    """A write-off says why."""
