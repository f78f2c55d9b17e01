"""Business errors of exams (rendered as {"error": Name, "detail": ...})."""

from __future__ import annotations

from typing import Any

from core.errors import Conflict, InvalidInput, NotFound


class ExamNotFound(NotFound):
    """No such exam."""


class CheckinNotFound(NotFound):
    """No such check-in attempt for this exam."""


class NotRegistered(NotFound):
    """The CCCD is not registered for this exam."""


class AlreadyRegistered(Conflict):
    """The CCCD is already registered for this exam."""


class ExamCodeTaken(Conflict):
    """An exam with this code exists."""


class NotPending(Conflict):
    """The attempt is not waiting for an officer: its verdict stands."""


class AlreadyDecided(Conflict):
    """An officer already admitted or refused this attempt."""


class EngineRefused(Conflict):
    """The identity check refused the candidate: an officer cannot admit on it; a new attempt is needed."""


class CheckinInputError(InvalidInput):
    """The check-in data cannot be used (bad encoding, unreadable card or frame): nothing was recorded.

    ``detail`` is ``{"code", "vi", "en"}`` like the identity engine's errors."""

    def __init__(self, code: str, vi: str, en: str, **context: Any) -> None:
        self.code = code
        super().__init__({"code": code, "vi": vi, "en": en, **context})
