"""Business errors of proctoring (rendered as {"error": Name, "detail": ...})."""

from __future__ import annotations

from core.errors import Conflict, NotFound
from exams.exceptions import CheckinInputError


class FlagNotFound(NotFound):
    """No such flag for this exam."""


class NotOnlineExam(Conflict):
    """Re-verification is for online exams only."""


class NoReference(Conflict):
    """The candidate has no admitted face for this exam (not admitted by a face match, or the exam is
    over and the reference purged): re-verification cannot run."""


class FlagResolved(Conflict):
    """The flag is already resolved."""


class FrameInputError(CheckinInputError):
    """The frame cannot be used (bad base64, not an image, too large): nothing was recorded."""
