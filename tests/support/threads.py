"""Run a snippet in a child Python that calls ``work()`` from several threads at once, each call's
result compared with the first one computed alone. A native crash (heap corruption in a library that is
not thread-safe) kills the child, not the test run, and the test reads its exit status."""

from __future__ import annotations

import subprocess
import sys
import textwrap

HARNESS = """
import threading
{setup}
expected = work()
failures = []

def hammer():
    for _ in range({rounds}):
        if work() != expected:
            failures.append("a different result")

threads = [threading.Thread(target=hammer) for _ in range({threads})]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert not failures, failures
print("ok", len(expected))
"""


def hammer_in_child(setup: str, *, threads: int = 4, rounds: int = 6) -> subprocess.CompletedProcess[str]:
    code = HARNESS.format(setup=textwrap.dedent(setup), rounds=rounds, threads=threads)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
