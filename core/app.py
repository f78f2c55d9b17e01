"""The application factory: API, citizen API, the embedded IdP and the staff web pages in one ASGI app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.middleware.sessions import SessionMiddleware

from core.auth.deps import route_access
from core.auth.ratelimit import SignInLimiter
from core.config import Settings, get_settings
from core.errors import install_error_handlers
from core.http_guards import RequestGuard, SecurityHeaders
from core.logs import RequestIds
from core.metrics_routes import RequestMetrics
from core.plugins import load_models, load_tasks, modules_with

logger = logging.getLogger(__name__)


class RouteWithoutAccess(RuntimeError):
    pass


def iter_api_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    """(method, full path, route) for every API and page route, included routers flattened."""
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if isinstance(route, APIRoute):
            for method in sorted((ctx.methods or set()) - {"HEAD"}):
                yield method, str(ctx.path), route


def check_route_access(app: FastAPI) -> None:
    """Every route must declare who may call it (require / citizen_only / public)."""
    missing = [
        f"{method} {path}" for method, path, route in iter_api_routes(app) if route_access(route) is None
    ]
    if missing:
        raise RouteWithoutAccess("routes without an access declaration: " + "; ".join(missing))


# Routes are matched one router after another (≈ 6 µs each): the citizen app's, the most requested, are
# tried first (250 → 60 µs a request). tests/core/test_access.py checks that no route shadows another.
MATCHED_FIRST = frozenset({"citizen_app_api.routes"})


def create_app(settings: Settings | None = None, *, run_jobs: bool = False) -> FastAPI:
    settings = settings or get_settings()
    load_models()
    load_tasks()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if run_jobs:
            from core.jobs.worker import JobWorker

            worker = JobWorker().start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()

    app = FastAPI(
        title="tvp",
        summary="Traffic-violation processing and e-payment platform",
        version="0.1.0",
        docs_url="/docs" if settings.docs_enabled else None,
        redoc_url="/redoc" if settings.docs_enabled else None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.sign_in_limiter = SignInLimiter(settings)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="tvp_session",
        max_age=settings.session_max_hours * 3600,
        same_site="lax",
        https_only=settings.session_cookie_secure,
    )
    app.add_middleware(SecurityHeaders, settings=settings)
    larger = {
        p: n for m in modules_with("upload_limits", "routes") for p, n in m.upload_limits(settings).items()
    }
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes, larger=larger)
    app.add_middleware(RequestMetrics)  # counts the guard's refusals too
    app.add_middleware(RequestIds)  # outermost: every log line of the request carries its id
    install_error_handlers(app)

    from core.auth.routes import router as auth_router
    from core.health import router as health_router
    from core.jobs.routes import router as jobs_router
    from core.metrics_routes import router as metrics_router

    for router in (health_router, auth_router, jobs_router, metrics_router):
        app.include_router(router)
    for module in sorted(modules_with("router", "routes"), key=lambda m: m.__name__ not in MATCHED_FIRST):
        app.include_router(module.router)
        if hasattr(module, "install"):
            module.install(app, settings)
    check_route_access(app)
    return app


def create_app_from_env() -> FastAPI:
    """The factory `tvp serve --workers N` names: each spawned worker process builds its own app (no
    in-process jobs: several workers run only with a broker and `tvp worker`)."""
    import os

    from core.logs import configure_server
    from core.time import follow_test_clock

    follow_test_clock()  # only under the test suite's moved-clock runs
    settings = get_settings()
    configure_server(settings, int(os.environ.get("TVP_SERVE_LOG_LEVEL", logging.INFO)))
    return create_app(settings, run_jobs=False)
