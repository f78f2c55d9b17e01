"""Job-engine throughput: N jobs enqueued in one transaction, time until all are done.

    .venv/bin/python bench/jobs.py [--jobs 500] [--broker stub://|amqp://guest:guest@127.0.0.1:5672/%2F]
        [--database-url URL] [--out bench/results/jobs.json]

The database is migrated to head: give it an empty database (default: a temporary SQLite file).

Prints jobs/s and median enqueue-to-done latency, and writes them to a JSON file.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path


def _delete_queues(broker: str) -> None:
    if broker.startswith("amqp"):
        import pika

        conn = pika.BlockingConnection(pika.URLParameters(broker))
        queue = os.environ["TVP_JOBS_QUEUE"]
        for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
            conn.channel().queue_delete(name)
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--broker", default="stub://")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="bench/results/jobs.json")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="tvp-bench-")
    os.environ.update(
        {
            "TVP_ENV": "test",
            "TVP_DATA_DIR": data_dir,
            "TVP_BROKER_URL": args.broker,
            "TVP_JOBS_QUEUE": f"tvp-bench-{os.getpid()}",
        }
    )
    if args.database_url:
        os.environ["TVP_DATABASE_URL"] = args.database_url

    from sqlalchemy import select

    from core.db import session_scope
    from core.jobs import enqueue
    from core.jobs.worker import JobWorker
    from core.migrate import upgrade
    from core.models import Job, JobStatus

    upgrade()
    worker = JobWorker(threads=args.threads, relay_interval=0.05)
    started = time.perf_counter()
    with session_scope() as s:
        ids = [enqueue(s, "core.canary", {"label": f"bench-{i}"}).id for i in range(args.jobs)]
    worker.start()
    while True:
        with session_scope(writes=False) as s:
            pending = s.scalar(select(Job.id).where(Job.id.in_(ids), Job.status != JobStatus.done).limit(1))
        if pending is None:
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    worker.stop()
    _delete_queues(args.broker)
    with session_scope(writes=False) as s:
        latencies = [
            (j.finished_at - j.created_at).total_seconds() for j in s.scalars(select(Job)) if j.finished_at
        ]
    result = {
        "jobs": args.jobs,
        "broker": args.broker.split("@")[-1],
        "database": (args.database_url or "sqlite").split("@")[-1],
        "threads": args.threads,
        "seconds": round(elapsed, 3),
        "jobs_per_second": round(args.jobs / elapsed, 1),
        "median_latency_s": round(statistics.median(latencies), 3),
    }
    print(json.dumps(result, indent=2))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
