"""The identity record every card reader produces, and the names of its sources and trust levels."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from identity.cccd import Sex


class Source(StrEnum):
    qr = "qr"  # the QR code on the card front
    mrz = "mrz"  # the machine-readable zone on the back
    chip = "chip"  # DG1/DG13 read by an NFC reader (authentic only after passive authentication)


class TrustLevel(StrEnum):
    none = "none"
    low = "low"  # printed data only (QR, MRZ): anyone can print a card
    high = "high"  # chip data whose passive authentication succeeded
    person_bound = "person_bound"  # high + a live face matched to the chip photo (the face slice)


# Fields that carry provenance, in display order.
FIELDS = ("id12", "old_id", "full_name", "birth_date", "sex", "address", "issue_date", "expiry")


@dataclass(frozen=True)
class IdentityRecord:
    """What one source (or several, merged) says about the card holder; None = the source lacks it.

    ``provenance`` maps each filled field to the source it came from. ``authenticated`` is set only by
    the chip reader after passive authentication succeeded.
    """

    id12: str
    source: Source
    full_name: str | None = None
    birth_date: date | None = None
    sex: Sex | None = None
    old_id: str | None = None
    address: str | None = None
    issue_date: date | None = None
    expiry: date | None = None
    authenticated: bool = False
    provenance: Mapping[str, Source] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        given = dict(self.provenance) or {f: self.source for f in FIELDS if getattr(self, f) is not None}
        object.__setattr__(self, "provenance", MappingProxyType(given))

    def changed(self, **changes: Any) -> IdentityRecord:
        """A copy with ``changes``, every filled field's provenance this record's source again."""
        return replace(self, **changes, provenance={})

    def value(self, name: str) -> Any:
        return getattr(self, name)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, date):
                v = v.isoformat()
            elif isinstance(v, Mapping):
                v = {k: str(s) for k, s in v.items()}
            elif isinstance(v, StrEnum):
                v = str(v)
            out[f.name] = v
        return out


# Most trusted first: a merged record takes each field from the first source that has it; the name
# prefers the sources that keep its diacritics (the MRZ has none).
SOURCE_ORDER = (Source.chip, Source.mrz, Source.qr)
FIELD_ORDER = {"full_name": (Source.chip, Source.qr, Source.mrz)}


def merge(records: list[IdentityRecord]) -> IdentityRecord:
    """One record from several sources: each field from the most trusted source that has it (an
    unauthenticated chip read ranks below the printed sources). Disagreements are cross_check's job."""
    if not records:
        raise ValueError("merge needs at least one record")

    def rank(r: IdentityRecord, order: tuple[Source, ...] = SOURCE_ORDER) -> int:
        if r.source is Source.chip and not r.authenticated:
            return len(order)
        return order.index(r.source)

    best = sorted(records, key=rank)[0]
    values: dict[str, Any] = {}
    provenance: dict[str, Source] = {}
    for name in FIELDS:
        order = FIELD_ORDER.get(name, SOURCE_ORDER)
        for r in sorted(records, key=lambda r: rank(r, order)):
            if r.value(name) is not None:
                values[name] = r.value(name)
                provenance[name] = r.source
                break
    changes: dict[str, Any] = {n: values.get(n) for n in FIELDS}
    changes["authenticated"] = any(r.authenticated for r in records)
    changes["provenance"] = provenance
    return replace(best, **changes)


_SPACES = re.compile(r"[^0-9A-Z]+")


def normalise_name(name: str) -> str:
    """``Nguyễn  Văn Ân`` and MRZ ``NGUYEN<<VAN<AN`` both → ``NGUYEN VAN AN`` (accents, đ, case, fillers)."""
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).upper()
    return _SPACES.sub(" ", plain).strip()
