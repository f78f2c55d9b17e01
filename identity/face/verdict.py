"""The trust level after the face check: chip passive authentication OK (high) + a live face that
matched the chip photo (+ the liveness challenge, when the policy requires it) → person-bound."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from identity.face.backend import FaceBackend
from identity.face.liveness import LivenessResult, head_turn
from identity.face.match import ChipFace, MatchResult, match_live, measure_live
from identity.face.policy import FacePolicy
from identity.record import TrustLevel


def person_trust(
    card_trust: TrustLevel,
    match: MatchResult | None,
    liveness: LivenessResult | None = None,
    policy: FacePolicy | None = None,
) -> TrustLevel:
    """``card_trust`` raised to person_bound when the face check passed; never lowered by it (a failed
    face check is the flow's decision: refuse, retry, or review)."""
    policy = policy or FacePolicy()
    if card_trust is not TrustLevel.high or match is None or not match.matched:
        return card_trust
    if policy.require_liveness and (liveness is None or not liveness.passed):
        return card_trust
    return TrustLevel.person_bound


@dataclass(frozen=True)
class FaceVerdict:
    trust: TrustLevel
    match: MatchResult
    liveness: LivenessResult | None  # None: not required, or not run after a failed match

    def as_dict(self) -> dict[str, Any]:
        return {
            "trust": str(self.trust),
            "match": self.match.as_dict(),
            "liveness": self.liveness.as_dict() if self.liveness else None,
        }


def verify_person(
    backend: FaceBackend,
    card_trust: TrustLevel,
    chip_photo: bytes | np.ndarray | ChipFace,
    frames: Sequence[np.ndarray],
    policy: FacePolicy | None = None,
) -> FaceVerdict:
    """The first frame (facing the camera) is matched with the chip photo; the liveness challenge
    runs over all frames, each the first frame's person: the face that turned is the face that matched.

    Raises FaceQualityError for a frame that fails a gate, FaceError for an unusable chip photo.
    """
    policy = policy or FacePolicy()
    if not frames:
        raise ValueError("verify_person needs at least one frame")
    first = measure_live(backend, frames[0], policy)
    match = match_live(backend, first, chip_photo, policy)
    needed = policy.require_liveness and match.matched
    liveness = head_turn(backend, frames, policy, first=first) if needed else None
    return FaceVerdict(person_trust(card_trust, match, liveness, policy), match, liveness)
