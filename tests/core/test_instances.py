from __future__ import annotations

import threading
from itertools import count

import pytest

from core.instances import InstancePool


def test_each_borrower_has_its_own_and_at_most_size_are_made() -> None:
    serial = count()
    pool = InstancePool(lambda: next(serial), size=2)
    inside = threading.Barrier(2)
    seen: list[int] = []

    def borrower() -> None:
        with pool.borrow() as item:
            seen.append(item)
            inside.wait(5)  # both hold one at the same moment

    threads = [threading.Thread(target=borrower) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == [0, 1]
    for _ in range(5):
        with pool.borrow() as item:
            assert item in (0, 1)  # given back and reused, none made
    assert pool.made == 2


def test_a_third_borrower_waits_for_one_given_back() -> None:
    pool = InstancePool(object, size=2)
    got: list[object] = []

    def third() -> None:
        with pool.borrow() as item:
            got.append(item)

    with pool.borrow() as a, pool.borrow() as b:
        waiter = threading.Thread(target=third)
        waiter.start()
        waiter.join(0.3)
        assert waiter.is_alive() and not got
    waiter.join(5)
    assert got and got[0] in (a, b) and pool.made == 2


def test_a_failed_load_is_not_counted() -> None:
    attempts = count()

    def flaky() -> int:
        if next(attempts) == 0:
            raise OSError("model file missing")
        return 7

    pool = InstancePool(flaky, size=1)
    with pytest.raises(OSError), pool.borrow():
        pass
    with pool.borrow() as item:
        assert item == 7
    assert pool.made == 1
