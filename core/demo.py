"""Loads every package's demo data set (each package's ``seed.seed_demo``) in one transaction."""

from __future__ import annotations

import inspect
import random

from core.config import Environment, get_settings
from core.db import session_scope
from core.plugins import modules_with


class DemoRefused(RuntimeError):
    """Demo data (staff with a published password) is never loaded in production."""


def seed_all(rng: random.Random, citizens: int = 60, scenes: bool = True) -> dict[str, int]:
    """``citizens``: how many the registry generates; ``scenes``: off, no drawn violation scenes (the
    demo on real footage fills the queue instead). Each ``seed_demo`` gets the options it names."""
    if get_settings().env is Environment.production:
        raise DemoRefused("demo data is never loaded with TVP_ENV=production")
    options = {"citizens": citizens, "scenes": scenes}
    counts: dict[str, int] = {}
    with session_scope() as session:
        for module in modules_with("seed_demo", "seed"):
            takes = inspect.signature(module.seed_demo).parameters
            kwargs = {name: value for name, value in options.items() if name in takes}
            counts.update(module.seed_demo(session, rng, **kwargs))
    return counts
