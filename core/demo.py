"""Loads every package's demo data set (each package's ``seed.seed_demo``) in one transaction."""

from __future__ import annotations

import random

from core.config import Environment, get_settings
from core.db import session_scope
from core.plugins import modules_with


class DemoRefused(RuntimeError):
    """Demo data (staff with a published password) is never loaded in production."""


def seed_all(rng: random.Random, citizens: int = 60) -> dict[str, int]:
    if get_settings().env is Environment.production:
        raise DemoRefused("demo data is never loaded with TVP_ENV=production")
    counts: dict[str, int] = {}
    with session_scope() as session:
        for module in modules_with("seed_demo", "seed"):
            kwargs = {"citizens": citizens} if module.__name__ == "registry.seed" else {}
            counts.update(module.seed_demo(session, rng, **kwargs))
    return counts
