"""The helmet and overload rules on voted riders written by hand (no model, no geometry)."""

from datetime import UTC, datetime

import pytest

from detection.helmets import Helmet, RiderVerdict, TrackRiders
from detection.rules import helmets

AT = datetime(2026, 11, 22, 3, 0, 0, tzinfo=UTC)
W, M, U = Helmet.worn, Helmet.missing, Helmet.unclear


def _track(*riders: Helmet, children: tuple[int, ...] = (), count: int | None = None) -> TrackRiders:
    voted = tuple(RiderVerdict(i, h, 0.8, (3, 4, 5), i in children) for i, h in enumerate(riders))
    return TrackRiders(voted, len(riders) if count is None else count, (3, 4, 5))


CASES = [
    # (what, riders, expected codes in order)
    ("lone rider with helmet", _track(W), []),
    ("lone rider without helmet", _track(M), ["NO_HELMET_DRIVER"]),
    ("lone rider unclear", _track(U), []),
    ("driver without, passenger with", _track(M, W), ["NO_HELMET_DRIVER"]),
    (
        "driver with, passenger without: the rider and the passenger are both fined",
        _track(W, M),
        ["NO_HELMET_PASSENGER_CARRIED", "NO_HELMET_PASSENGER"],
    ),
    (
        "nobody wears one, two riders",
        _track(M, M),
        ["NO_HELMET_DRIVER", "NO_HELMET_PASSENGER_CARRIED", "NO_HELMET_PASSENGER"],
    ),
    ("three riders, all helmeted: two passengers", _track(W, W, W), ["OVERLOAD_2_PASSENGERS"]),
    ("four riders, all helmeted: three passengers", _track(W, W, W, W), ["OVERLOAD_3PLUS_PASSENGERS"]),
    ("five riders", _track(W, W, W, W, W), ["OVERLOAD_3PLUS_PASSENGERS"]),
    (
        "three riders, the last unclear and the middle bare-headed",
        _track(W, M, U),
        ["NO_HELMET_PASSENGER_CARRIED", "NO_HELMET_PASSENGER", "OVERLOAD_2_PASSENGERS"],
    ),
    ("no count voted", _track(count=0), []),
]


@pytest.mark.parametrize(("what", "riders", "codes"), CASES, ids=[c[0] for c in CASES])
def test_codes(what: str, riders: TrackRiders, codes: list[str]) -> None:
    assert [f.code for f in helmets.evaluate(riders, 7, AT)] == codes


def test_who_is_fined_and_which_rider() -> None:
    found = helmets.evaluate(_track(M, M), 7, AT)
    assert [(f.code, f.measured["rider"], f.measured["role"], f.measured["fined"]) for f in found] == [
        ("NO_HELMET_DRIVER", 0, "driver", "rider"),
        ("NO_HELMET_PASSENGER_CARRIED", 1, "passenger", "rider"),
        ("NO_HELMET_PASSENGER", 1, "passenger", "passenger"),
    ]
    assert all(f.track_id == 7 and f.at == AT and f.measured["frames"] == [3, 4, 5] for f in found)


def test_a_possible_child_is_flagged_not_decided() -> None:
    bare_child = helmets.evaluate(_track(W, M, children=(1,)), 7, AT)
    assert [f.code for f in bare_child] == ["NO_HELMET_PASSENGER_CARRIED", "NO_HELMET_PASSENGER"]
    assert all(f.measured["possible_child"] is True for f in bare_child)
    overloaded = helmets.evaluate(_track(W, W, W, children=(2,)), 7, AT)
    assert [f.code for f in overloaded] == ["OVERLOAD_2_PASSENGERS"]
    assert overloaded[0].measured["possible_child_passengers"] == [2]
    adults = helmets.evaluate(_track(W, W, W), 7, AT)
    assert adults[0].measured["possible_child_passengers"] == []


def test_every_code_is_in_the_fines_table_in_force() -> None:
    from penalties.law import law_for, violation_day

    table = law_for(violation_day(AT)).provisions
    fined_on_rider = [
        "NO_HELMET_DRIVER",
        "NO_HELMET_PASSENGER_CARRIED",
        "OVERLOAD_2_PASSENGERS",
        "OVERLOAD_3PLUS_PASSENGERS",
    ]
    assert all((code, "motorbike") in table for code in fined_on_rider)
    assert ("NO_HELMET_PASSENGER", "motorbike_passenger") in table
    assert table[("OVERLOAD_3PLUS_PASSENGERS", "motorbike")].points == 2
