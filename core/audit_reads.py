"""Reads audited in group commits: a request's reads are appended to the audit chain after its own
commit, together with the reads of the other requests that finished meanwhile, and the answer waits
for that commit. No answer leaves unaudited, and the chain's head row is locked once per batch instead
of once per request (every audited request used to wait its turn for that row, commit included).

One writer thread per process takes whatever is queued (up to ``MAX_BATCH`` entries) and appends it in
one transaction: one head update, one multi-row insert, one commit. While it commits, the next batch
gathers, so a busier process writes bigger batches, not more of them (the group commit of databases).
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from core import audit
from core.db import session_scope
from core.errors import ServiceUnavailable

log = logging.getLogger(__name__)
MAX_BATCH = 500
WAIT_S = 30.0  # a request gives up on its audit (and answers 503) after this long


class AuditUnavailable(ServiceUnavailable):
    """The read could not be written to the audit log, so its answer is withheld; try again."""


@dataclass
class _Writer:
    requests: queue.SimpleQueue[tuple[list[audit.Pending], Future[None]]] = field(
        default_factory=queue.SimpleQueue
    )
    thread: threading.Thread | None = None
    pid: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def submit(self, reads: list[audit.Pending]) -> Future[None]:
        done: Future[None] = Future()
        with self.lock:
            if self.thread is None or self.pid != os.getpid() or not self.thread.is_alive():
                self.requests, self.pid = queue.SimpleQueue(), os.getpid()  # a forked child starts afresh
                self.thread = threading.Thread(target=self._run, name="tvp-audit-reads", daemon=True)
                self.thread.start()
            self.requests.put((reads, done))
        return done

    def _run(self) -> None:
        requests = self.requests
        while True:
            batch = [requests.get()]
            size = len(batch[0][0])
            while size < MAX_BATCH:
                try:
                    batch.append(requests.get_nowait())
                except queue.Empty:
                    break
                size += len(batch[-1][0])
            try:
                with session_scope() as session:
                    audit.append(session, [entry for reads, _ in batch for entry in reads])
            except Exception as exc:  # the waiting requests answer 503; the writer goes on
                log.exception("audit of %d reads failed", size)
                for _, done in batch:
                    done.set_exception(
                        AuditUnavailable(f"the audit log could not be written: {exc.__class__.__name__}")
                    )
            else:
                for _, done in batch:
                    done.set_result(None)


_writer = _Writer()


def submit(reads: list[audit.Pending]) -> Future[None]:
    """Queue ``reads`` for the next batch; the future is done once they are committed."""
    return _writer.submit(reads)


async def audited(reads: list[audit.Pending]) -> None:
    """Wait (in the event loop, no thread held) until ``reads`` are committed to the audit chain."""
    try:
        await asyncio.wait_for(asyncio.wrap_future(submit(reads)), WAIT_S)
    except TimeoutError as exc:
        raise AuditUnavailable(f"the audit of this read took over {WAIT_S:.0f} s") from exc
