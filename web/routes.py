"""Staff web pages (Jinja2, server-rendered). Pages only call services."""

from __future__ import annotations

import math
import secrets
import uuid
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from core.auth import sessions
from core.auth.deps import public, require
from core.auth.principal import Principal
from core.auth.ratelimit import TooManyAttempts, client_address
from core.auth.signin import sign_in
from core.config import Settings
from core.db import get_session
from core.errors import Forbidden, InvalidInput, Unauthorized, readable_errors, set_html_error_renderer
from core.jobs.service import list_jobs, retry_job
from core.models import JobStatus, Role
from core.pagination import PageNumber
from core.time import format_local
from penalties.cameras.service import camera_count
from penalties.law.words import describe, format_vnd
from penalties.notices.words import notice_words
from penalties.review.queue import pending_count
from penalties.runs.health import camera_health
from registry.service import registry_counts
from web.i18n import lang_of, translator

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["local"] = format_local
templates.env.globals["law_words"] = describe
templates.env.globals["notice_words"] = notice_words
templates.env.globals["vnd"] = format_vnd  # one money form on every page: 18.000.000 ₫
router = APIRouter(tags=["web"], include_in_schema=False, default_response_class=HTMLResponse)
DB = Annotated[Session, Depends(get_session, scope="function")]
Anyone = Annotated[Principal | None, Depends(public())]
Staff = Annotated[Principal, Depends(require(*Role))]
Ops = Annotated[Principal, Depends(require(Role.ops, Role.admin))]


def csrf_token(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(24)
    return str(request.session["csrf"])


def check_csrf(request: Request, token: str) -> None:
    if not token or not secrets.compare_digest(token, request.session.get("csrf", "")):
        raise Forbidden("the form expired; reload the page and try again")


def render(
    request: Request, name: str, principal: Principal | None, status_code: int = 200, **ctx: Any
) -> Response:
    lang = lang_of(request)
    response = templates.TemplateResponse(
        request,
        name,
        {"principal": principal, "lang": lang, "t": translator(lang), "csrf": csrf_token(request), **ctx},
        status_code=status_code,
    )
    if "lang" in request.query_params:
        response.set_cookie("tvp_lang", lang, max_age=365 * 86400, samesite="lax")
    return response


M = TypeVar("M", bound=BaseModel)


def form_model(model: type[M], **fields: Any) -> M:
    """A page form's fields through the same schema (limits, formats) as the API's JSON body."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise InvalidInput(readable_errors(exc.errors())) from None


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
def login_page(request: Request, _: Anyone, next: str = "/") -> Response:
    return render(request, "login.html", None, next=_safe_next(next), error=None)


@router.post("/login")
def login(
    request: Request,
    db: DB,
    _: Anyone,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    check_csrf(request, csrf)
    t = translator(lang_of(request))
    try:
        user = sign_in(db, request, username=username, password=password)
    except TooManyAttempts as exc:
        message = t("too_many_attempts").format(minutes=max(1, exc.retry_after_s // 60))
        response = render(request, "login.html", None, status_code=429, next=_safe_next(next), error=message)
        response.headers.update(exc.headers)
        return response
    except Unauthorized:
        return render(
            request, "login.html", None, status_code=401, next=_safe_next(next), error=t("wrong_login")
        )
    sid = sessions.start(
        db, user, kind=sessions.PAGE, lifetime=sessions.page_lifetime(), client_ip=client_address(request)
    )
    request.session.clear()
    request.session.update({"sid": sid, "csrf": secrets.token_urlsafe(24)})
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, db: DB, principal: Staff, csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    sessions.end(db, principal.sid, actor=principal.actor)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/")
def dashboard(request: Request, db: DB, principal: Staff) -> Response:
    counts = [
        ("pending_review", pending_count(db)),
        ("cameras", camera_count(db)),
        *registry_counts(db).items(),
    ]
    return render(request, "dashboard.html", principal, counts=counts)


@router.get("/ops/jobs")
def jobs_page(
    request: Request,
    db: DB,
    principal: Ops,
    status: JobStatus = JobStatus.dead,
    page: PageNumber = 1,
) -> Response:
    size = 50
    rows, total = list_jobs(db, status=status, page=page, size=size)
    return render(
        request,
        "jobs.html",
        principal,
        jobs=rows,
        status=status.value,
        page=page,
        pages=max(1, math.ceil(total / size)),
        statuses=[s.value for s in JobStatus],
    )


@router.get("/ops/cameras")
def cameras_page(request: Request, db: DB, principal: Ops) -> Response:
    return render(request, "ops_cameras.html", principal, cameras=camera_health(db))


@router.post("/ops/jobs/{job_id}/retry")
def retry_page(
    request: Request, job_id: uuid.UUID, db: DB, principal: Ops, csrf: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf)
    retry_job(db, job_id, actor=principal.actor)
    return RedirectResponse("/ops/jobs?status=dead", status_code=303)


def _render_error(request: Request, status_code: int, name: str, detail: Any) -> Response:
    if status_code == 401:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    t = translator(lang_of(request))
    message = {403: t("forbidden"), 404: t("not_found")}.get(status_code, str(detail))
    return render(request, "error.html", None, status_code=status_code, message=message)


def _plate(compact: str | None) -> str:
    from ocr.plate_format import InvalidPlate, parse_plate

    if not compact:
        return "—"
    try:
        return parse_plate(compact).display
    except InvalidPlate:
        return compact


templates.env.filters["plate"] = _plate


def upload_limits(settings: Settings) -> dict[str, int]:
    """The desk's check-in form carries chip files and camera frames, the replay form a footage file
    (core.http_guards.RequestGuard)."""
    from exams.schemas import BODY_MAX_BYTES

    return {"/exams/": BODY_MAX_BYTES, "/ops/replays": settings.footage_upload_max_bytes + 64 * 1024}


def install(app: FastAPI, settings: Settings) -> None:
    from web.analytics import router as analytics_router
    from web.citizen import router as citizen_router
    from web.decisions import router as decisions_router
    from web.disputes import router as disputes_router
    from web.exams import router as exams_router
    from web.notices import router as notices_router
    from web.payments import router as payments_router
    from web.proctoring import router as proctoring_router
    from web.replays import router as replays_router
    from web.review import router as review_router
    from web.review_queue import router as review_queue_router

    app.include_router(review_queue_router)  # first: /review/export.csv before /review/{candidate_id}
    app.include_router(review_router)
    app.include_router(proctoring_router)
    app.include_router(notices_router)
    app.include_router(decisions_router)
    app.include_router(citizen_router)
    app.include_router(disputes_router)
    app.include_router(payments_router)
    app.include_router(exams_router)
    app.include_router(analytics_router)
    app.include_router(replays_router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    set_html_error_renderer(_render_error)
