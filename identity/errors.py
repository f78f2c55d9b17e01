"""One error family for the card readers: a machine code plus a Vietnamese and an English message.

``code`` is stable (``qr.truncated``, ``mrz.check_digit.birth_date``, ``chip.dg_hash``…) so that flows can
branch on it; ``detail`` renders as ``{"code", "vi", "en"}`` through core's AppError handler.
"""

from __future__ import annotations

from typing import Any

from core.errors import AppError


class IdentityError(AppError):
    """The identity document could not be read or verified."""

    status_code = 422

    def __init__(self, code: str, vi: str, en: str, **context: Any) -> None:
        self.code = code
        self.vi = vi
        self.en = en
        self.context = context
        super().__init__({"code": code, "vi": vi, "en": en})

    def __str__(self) -> str:
        return f"{self.code}: {self.en}"


class QRError(IdentityError):
    """The QR code on the card front is missing, truncated or malformed."""


class MRZError(IdentityError):
    """The machine-readable zone on the card back is malformed or a check digit fails."""


class ChipDataError(IdentityError):
    """A chip data group or the security object cannot be parsed."""


class PassiveAuthFailed(IdentityError):
    """The chip data are not authentic: hash, signature, certificate chain or validity failed."""


class FaceError(IdentityError):
    """The face check could not be made: no usable face in the live frame or in the chip photo."""


class FaceQualityError(FaceError):
    """A live frame fails a quality gate (``face.none``, ``face.several``, ``face.too_small``,
    ``face.blurred``, ``face.turned``): the candidate is asked for another frame."""
