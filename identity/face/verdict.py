"""The trust level after the face check: chip passive authentication OK (high) + a live face that
matched the chip photo (+ the liveness challenge, when the policy requires it) → person-bound."""

from __future__ import annotations

from identity.face.liveness import LivenessResult
from identity.face.match import MatchResult
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
