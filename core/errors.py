"""Business errors carry their HTTP status and render as {"error": Name, "detail": ...}."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.evidence import EvidenceError

logger = logging.getLogger(__name__)


class AppError(Exception):
    status_code: ClassVar[int] = 400

    def __init__(self, detail: Any = None) -> None:
        self.detail = detail if detail is not None else (self.__doc__ or type(self).__name__).strip()
        super().__init__(str(self.detail))

    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"} if self.status_code == 401 else {}


class NotFound(AppError):
    """The requested object does not exist."""

    status_code = 404


class Conflict(AppError):
    """The request conflicts with the current state."""

    status_code = 409


class Unauthorized(AppError):
    """Authentication is required."""

    status_code = 401


class Forbidden(AppError):
    """Your role does not allow this."""

    status_code = 403


class AccessDenied(Forbidden):
    """The caller's role is not allowed on this route."""


class InvalidInput(AppError):
    """The input is not valid."""

    status_code = 422


class ServiceUnavailable(AppError):
    """A service this request needs is unavailable."""

    status_code = 503


def error_body(name: str, detail: Any) -> dict[str, Any]:
    return {"error": name, "detail": detail}


def _validation_detail(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        item = {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
        out.append(item)
    return out


def readable_errors(errors: Sequence[Any]) -> str:
    """Validation errors as one line a person can act on: "note: String should have at most 2000
    characters; plate: …" (field names, never Python internals)."""
    parts = []
    for err in errors:
        field = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form"))
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{field}: {message}" if field else message)
    return "; ".join(parts)


HtmlRenderer = Callable[[Request, int, str, Any], Response]
_html_renderer: HtmlRenderer | None = None


def set_html_error_renderer(renderer: HtmlRenderer | None) -> None:
    """The web package renders errors on its pages as HTML (a sign-in redirect for 401)."""
    global _html_renderer
    _html_renderer = renderer


def _wants_html(request: Request) -> bool:
    return (
        _html_renderer is not None
        and not request.url.path.startswith(("/api/", "/idp/token", "/idp/jwks"))
        and "text/html" in request.headers.get("accept", "")
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        if _wants_html(request):
            assert _html_renderer is not None
            return _html_renderer(request, exc.status_code, exc.name, exc.detail)
        return JSONResponse(
            error_body(exc.name, exc.detail), status_code=exc.status_code, headers=exc.headers or None
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if _wants_html(request):
            assert _html_renderer is not None
            return _html_renderer(request, 422, "ValidationError", readable_errors(exc.errors()))
        return JSONResponse(error_body("ValidationError", _validation_detail(exc)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        names = {
            400: "BadRequest",
            401: "Unauthorized",
            403: "Forbidden",
            404: "NotFound",
            405: "MethodNotAllowed",
        }
        name = names.get(exc.status_code, "HTTPError")
        if _wants_html(request):
            assert _html_renderer is not None
            return _html_renderer(request, exc.status_code, name, exc.detail)
        return JSONResponse(
            error_body(name, exc.detail),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(EvidenceError)
    async def _evidence(request: Request, exc: EvidenceError) -> Response:
        # Only staff routes serve evidence: tell them plainly what is wrong with the file.
        name = type(exc).__name__
        detail = f"{exc}. The stored file is damaged or was altered: report it to ops; do not act on it."
        if _wants_html(request):
            assert _html_renderer is not None
            return _html_renderer(request, 500, name, detail)
        return JSONResponse(error_body(name, detail), status_code=500)

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> Response:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        detail = "An internal error occurred; it has been logged."
        if _wants_html(request):
            assert _html_renderer is not None
            return _html_renderer(request, 500, "InternalError", detail)
        return JSONResponse(error_body("InternalError", detail), status_code=500)
