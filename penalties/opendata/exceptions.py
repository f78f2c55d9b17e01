"""Business errors of the open data export (rendered as {"error": Name, "detail": ...})."""

from __future__ import annotations

from core.errors import InvalidInput, NotFound


class MonthInvalid(InvalidInput):
    """The month must be written YYYY-MM, between 2000-01 and 2099-12."""


class MonthNotOver(InvalidInput):
    """The month is not over in Vietnam yet: its statistics would be incomplete."""


class OpenDataFileNotFound(NotFound):
    """No such open data file has been published."""
