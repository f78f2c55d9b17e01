"""GET /metrics (the Prometheus text exposition, database gauges computed at scrape time) and the
middleware that counts HTTP requests by route template and writes the access log line."""

from __future__ import annotations

import logging
import time
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from prometheus_client.core import Metric
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.auth.deps import scrape_token_or
from core.auth.principal import Principal
from core.db import get_session
from core.metrics import CONTENT_TYPE, HTTP_LATENCY, HTTP_REQUESTS, render
from core.models import Role
from core.plugins import modules_with

access_log = logging.getLogger("tvp.access")
router = APIRouter(tags=["ops"])
DB = Annotated[Session, Depends(get_session, scope="function")]
UNMATCHED = "<unmatched>"  # a path no route knows: never the raw path (unbounded label values)
Scraper = Annotated[Principal, Depends(scrape_token_or(Role.ops, Role.admin))]


@router.get(
    "/metrics",
    summary="Prometheus metrics (ops/admin, or the TVP_METRICS_TOKEN bearer)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
)
def metrics(_: Scraper, session: DB) -> Response:
    gauges: list[Metric] = []
    for module in modules_with("gauges", "gauges"):
        gauges += module.gauges(session)
    return Response(render(gauges), media_type=CONTENT_TYPE)


def route_template(scope: Scope) -> str:
    """The matched route's path template (``/api/candidates/{candidate_id}``), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else UNMATCHED


class RequestMetrics:
    """ASGI middleware: counts each HTTP request and times it, labelled by route template, and logs one
    access line per request (inside RequestIds, so it carries the request id; the query string, which
    may hold personal data, is left out)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # an exception escaping every handler ends as a 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route, method, took = route_template(scope), scope["method"], time.perf_counter() - started
            HTTP_REQUESTS.labels(route, method, str(status)).inc()
            HTTP_LATENCY.labels(route, method).observe(took)
            access_log.info(
                "%s %s %s %.1f ms",
                method,
                route,
                status,
                took * 1000,
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(took * 1000, 1),
                },
            )
