"""Swappable backends (evidence store, identity provider, later detectors, OCR, gateways, push…).

A family base class declares its own ``registry``; each concrete subclass with a ``name`` registers
itself there, and configuration picks one with ``Family.by_name(name)``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self


class UnknownBackend(LookupError):
    pass


class Backend:
    registry: ClassVar[dict[str, type[Any]]]
    name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "registry" in cls.__dict__:
            return  # a family base
        if cls.__dict__.get("name"):
            cls.registry[cls.name] = cls

    @classmethod
    def by_name(cls, name: str) -> type[Self]:
        try:
            return cls.registry[name]
        except KeyError:
            known = ", ".join(sorted(cls.registry)) or "none"
            raise UnknownBackend(f"no {cls.__name__} called {name!r} (known: {known})") from None
