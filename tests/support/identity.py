"""Identity fixtures for tests: one generated CSCA → DSC chain per session (RSA-PSS) and synthetic
citizens; each test builds the chip data, QR or card it needs from them."""

from __future__ import annotations

from functools import cache

from identity.fixtures.chip import ChipPKI
from identity.fixtures.citizens import Citizen, make_citizens


@cache
def pki() -> ChipPKI:
    return ChipPKI.create()


@cache
def ec_pki() -> ChipPKI:
    return ChipPKI.create(kind="ec")


def citizen(i: int = 0) -> Citizen:
    return make_citizens(i + 1, seed=2024)[i]
