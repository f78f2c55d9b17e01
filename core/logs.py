"""Log lines as text or JSON (``TVP_LOG_FORMAT``), each carrying the request id or the job id it ran under.

The ids live in context variables: the HTTP middleware sets ``request_id`` for the request's task (and
the threads Starlette runs sync endpoints in, which copy the context), the job runner sets ``job_id``.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from core.config import Settings

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("job_id", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept when it is a plain token (a proxy's UUID, a trace id); anything else, e.g. a
# header carrying newlines or quotes meant to forge log lines, is replaced by one of ours.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# LogRecord's own attributes: everything else on a record came from ``extra=`` and goes into the JSON.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def new_request_id() -> str:
    return secrets.token_hex(16)


def accepted_request_id(value: str | None) -> str:
    return value if value and _SAFE_ID.fullmatch(value) else new_request_id()


@contextmanager
def job_context(jid: str) -> Iterator[None]:
    token = job_id.set(jid)
    try:
        yield
    finally:
        job_id.reset(token)


class ContextIds(logging.Filter):
    """Puts the current request_id and job_id on every record (None outside a request or a job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.job_id = job_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, ids, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "job_id": getattr(record, "job_id", None),
            "pid": record.process,  # `tvp serve --workers N`: which worker process wrote the line
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s job=%(job_id)s]: %(message)s"


HANDLER_NAME = "tvp"


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time of each line (as logging.lastResort does)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def configure(log_format: str, level: int) -> None:
    """Log to stderr in the chosen format, replacing the handler an earlier call installed."""
    handler = _Stderr()
    handler.addFilter(ContextIds())
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.set_name(HANDLER_NAME)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def configure_server(settings: Settings, level: int) -> None:
    """Long-running processes log JSON in production unless TVP_LOG_FORMAT says otherwise."""
    from core.config import Environment

    chosen = settings.log_format or ("json" if settings.env is Environment.production else "text")
    configure(chosen, level)


class RequestIds:
    """ASGI middleware: takes the caller's X-Request-ID (or makes one), logs under it, echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = accepted_request_id(given)
        scope.setdefault("state", {})["request_id"] = rid

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        token = request_id.set(rid)
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            request_id.reset(token)
