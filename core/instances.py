"""A few instances of an object that two threads must never use at once (dlib's face detector and
networks keep working buffers inside: two requests using one at the same time corrupt the heap and kill
the process). Each borrower gets one to itself; at most ``size`` are made, lazily, and a borrower waits
while all are out. Several instances, not one lock, so the cores still work in parallel."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class InstancePool(Generic[T]):
    def __init__(self, factory: Callable[[], T], size: int | None = None):
        self._factory = factory
        self.size = max(1, size or _cores())
        self._free: queue.LifoQueue[T] = queue.LifoQueue()
        self._made = 0
        self._lock = threading.Lock()

    @contextmanager
    def borrow(self) -> Iterator[T]:
        item = self._take()
        try:
            yield item
        finally:
            self._free.put(item)

    @property
    def made(self) -> int:
        return self._made

    def _take(self) -> T:
        try:
            return self._free.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            make = self._made < self.size
            self._made += make
        if not make:
            return self._free.get()
        try:
            return self._factory()
        except BaseException:
            with self._lock:
                self._made -= 1
            raise
