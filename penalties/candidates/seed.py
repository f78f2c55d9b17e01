"""Demo candidates (after the cameras' and the registry's demo data: see core.plugins)."""

from __future__ import annotations

import random

from sqlalchemy.orm import Session


def seed_demo(session: Session, rng: random.Random, scenes: bool = True) -> dict[str, int]:
    """``scenes`` off: no drawn scenes (`tvp demo --footage` fills the queue from real footage)."""
    from penalties.candidates.demo import seed_candidates

    return {"candidates": seed_candidates(session, rng) if scenes else 0}
