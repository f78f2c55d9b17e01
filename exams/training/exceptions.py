"""Business errors of training enrolment and sessions. Each rule's refusal carries
``{"code", "vi", "en", ...}`` like the identity engine's errors, with the times it concerns."""

from __future__ import annotations

from typing import Any

from core.errors import Conflict, NotFound


class TrainingError(Conflict):
    """A refusal with a code and Vietnamese and English text."""

    def __init__(self, code: str, vi: str, en: str, **context: Any) -> None:
        self.code = code
        self.info: dict[str, Any] = {"code": code, "vi": vi, "en": en, **context}
        super().__init__(self.info)


class EnrolmentNotFound(NotFound):
    """No such enrolment."""


class AlreadyEnrolled(TrainingError):
    """The CCCD is already enrolled on this course at this centre."""


class SessionAlreadyOpen(TrainingError):
    """The learner has an open session: check it out first."""


class NoOpenSession(TrainingError):
    """The learner has no open session on this enrolment to check out."""


class TooSoonAfterCheckout(TrainingError):
    """Less than 15 minutes since the learner's previous check-out."""


class DailyLimitReached(TrainingError):
    """The learner's 10 counted hours of this Vietnam day are used up."""


class CheckoutBeforeCheckin(TrainingError):
    """The check-out time is before the check-in time."""


class FaceNotVerified(TrainingError):
    """The live face was not verified against the chip photo: the attempt is audited, nothing else."""
