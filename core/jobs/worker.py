"""A job worker: Dramatiq worker threads plus the outbox relay, in this process."""

from __future__ import annotations

import logging

import dramatiq

from core.config import get_settings
from core.jobs.broker import get_broker
from core.jobs.relay import Relay
from core.jobs.schedule import Scheduler
from core.plugins import load_tasks

logger = logging.getLogger(__name__)


KINDS = ("all", "short", "long")


class JobWorker:
    def __init__(
        self,
        threads: int | None = None,
        relay_interval: float = 1.0,
        *,
        scheduler: bool | None = None,
        kinds: str = "all",
    ):
        """``kinds``: which jobs this worker takes — "short" (notices, payments, delivery…), "long"
        (footage, live cameras) or "all"; camera boxes and short-job boxes can then be sized apart."""
        from core.jobs.broker import long_queue

        if kinds not in KINDS:
            raise ValueError(f"kinds must be one of {', '.join(KINDS)}, not {kinds!r}")
        settings = get_settings()
        load_tasks()
        self.broker = get_broker()
        threads = threads or settings.worker_threads
        queues = {"all": None, "short": {settings.jobs_queue}, "long": {long_queue(settings)}}[kinds]
        # Prefetch no more messages than there are threads: a long job (footage, a live camera that
        # never ends) prefetched behind busy threads would wait for them instead of going to a worker
        # with a free thread — after a takeover as well.
        self.worker = dramatiq.Worker(self.broker, queues=queues, worker_threads=threads, worker_timeout=200)
        self.worker.queue_prefetch = threads  # read when the consumers start
        self.relay = Relay(interval=relay_interval)
        wanted = settings.scheduler_enabled if scheduler is None else scheduler
        self.scheduler = Scheduler() if wanted else None

    def start(self) -> JobWorker:
        self.worker.start()
        self.relay.start()
        if self.scheduler is not None:
            self.scheduler.start()
        logger.info("job worker started on %s", get_settings().broker_url.split("@")[-1])
        return self

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        self.relay.stop()
        self.worker.stop(timeout=10_000)

    def join(self, timeout_ms: int = 30_000) -> None:
        """Wait until the in-process broker's queues are drained (StubBroker only)."""
        from dramatiq.brokers.stub import StubBroker

        from core.jobs.relay import dispatch_due

        while dispatch_due():
            pass
        if isinstance(self.broker, StubBroker):
            from core.jobs.broker import long_queue

            settings = get_settings()
            for queue in (settings.jobs_queue, long_queue(settings)):
                self.broker.join(queue, timeout=timeout_ms)
            self.worker.join()
