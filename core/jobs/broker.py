"""The Dramatiq broker: StubBroker in-process on the embedded default, RabbitMQ or Redis in production."""

from __future__ import annotations

import threading

import dramatiq
from dramatiq.brokers.stub import StubBroker

from core.config import Settings, get_settings

RUN_JOB = "tvp.run_job"
RUN_LONG_JOB = "tvp.run_long_job"  # on its own queue, so footage and cameras never starve short jobs
_lock = threading.Lock()
_broker: dramatiq.Broker | None = None


def make_broker(settings: Settings) -> dramatiq.Broker:
    url = settings.broker_url
    broker: dramatiq.Broker
    if url.startswith("stub:"):
        broker = StubBroker()
    elif url.startswith(("amqp:", "amqps:")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url, confirm_delivery=True)
    elif url.startswith(("redis:", "rediss:")):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url)
    else:
        raise ValueError(f"unsupported TVP_BROKER_URL {url!r} (stub://, amqp://… or redis://…)")
    return broker


def get_broker() -> dramatiq.Broker:
    """The process-wide broker with the job actor declared on it."""
    global _broker
    with _lock:
        if _broker is None:
            from core.jobs.runner import declare_actors

            settings = get_settings()
            _broker = make_broker(settings)
            dramatiq.set_broker(_broker)
            declare_actors(_broker, settings)
        return _broker


def long_queue(settings: Settings) -> str:
    return f"{settings.jobs_queue}.long"


def reset_broker() -> None:
    global _broker
    with _lock:
        if _broker is not None:
            _broker.close()
        _broker = None


def ping(settings: Settings) -> None:
    """Raise if the configured broker is unreachable (used by /readyz)."""
    url = settings.broker_url
    if url.startswith("stub:"):
        return
    if url.startswith(("amqp:", "amqps:")):
        import pika

        params = pika.URLParameters(url)
        params.socket_timeout = 2
        params.blocked_connection_timeout = 2
        pika.BlockingConnection(params).close()
    else:
        import redis

        redis.Redis.from_url(url, socket_timeout=2).ping()
