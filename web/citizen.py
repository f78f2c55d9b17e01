"""The reference citizen app (web, mobile first, Vietnamese/English): sign in with the VNeID stand-in
(authorization code + PKCE), my notices, one notice with its blurred evidence and integrity check, live
updates; the answers to a notice (acknowledge, name the driver, dispute), the nominations naming me, my
decisions and licence points; my exams, their online check-in with the browser camera and the online
exam in progress that re-verifies me from the webcam. The pages are shells: the app in the browser
(static/citizen*.js) calls the citizen API (/api/citizen/v1) with the citizen's ID token as a bearer
token, as the mobile app does, so the web app sees exactly what the API lets that citizen see and
nothing more.

The ID token is kept in the tab's sessionStorage: the citizen API takes bearer tokens only (a cookie
would need CSRF protection and a second way in), sessionStorage is never sent by the browser on its own,
it is gone when the tab closes, and the pages' CSP allows only our own scripts."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from core.auth.deps import public
from core.auth.principal import Principal
from core.config import get_settings
from web.citizen_text import TEXT
from web.exams_text import EXAM_TEXT
from web.i18n import lang_of
from web.routes import templates

router = APIRouter(
    prefix="/citizen", tags=["web"], include_in_schema=False, default_response_class=HTMLResponse
)
Anyone = Annotated[Principal | None, Depends(public())]


def _page(request: Request, name: str, **ctx: Any) -> Response:
    lang = lang_of(request)
    settings = get_settings()
    issuer = settings.idp_issuer.rstrip("/")
    config = {
        "lang": lang,
        "clientId": settings.idp_audience,
        "authorize": f"{issuer}/authorize",
        "token": f"{issuer}/token",
        "api": "/api/citizen/v1",
        "reverifyEverySeconds": settings.exam_reverify_every_s,
        "text": {key: entry[lang] for key, entry in TEXT.items()},
    }
    response = templates.TemplateResponse(
        request,
        f"citizen/{name}",
        {
            "lang": lang,
            "t": lambda key: (TEXT.get(key) or EXAM_TEXT[key])[lang],  # the desk's camera text too
            "config": json.dumps(config, ensure_ascii=False).replace("</", "<\\/"),
            **ctx,
        },
    )
    if "lang" in request.query_params:
        response.set_cookie("tvp_lang", lang, max_age=365 * 86400, samesite="lax")
    return response


@router.get("")
def sign_in_page(request: Request, _: Anyone) -> Response:
    return _page(request, "sign_in.html")


@router.get("/callback")
def callback_page(request: Request, _: Anyone) -> Response:
    """Where the identity provider sends the citizen back with a code (idp_redirect_uris)."""
    return _page(request, "callback.html")


@router.get("/notices")
def notices_page(request: Request, _: Anyone) -> Response:
    return _page(request, "notices.html")


@router.get("/notices/{notice_id}")
def notice_page(request: Request, notice_id: uuid.UUID, _: Anyone) -> Response:
    return _page(request, "notice.html", notice_id=str(notice_id))


@router.get("/nominations")
def nominations_page(request: Request, _: Anyone) -> Response:
    return _page(request, "nominations.html")


@router.get("/decisions")
def decisions_page(request: Request, _: Anyone) -> Response:
    return _page(request, "decisions.html")


@router.get("/decisions/{decision_id}")
def decision_page(request: Request, decision_id: uuid.UUID, _: Anyone) -> Response:
    return _page(request, "decision.html", decision_id=str(decision_id))


@router.get("/points")
def points_page(request: Request, _: Anyone) -> Response:
    return _page(request, "points.html")


@router.get("/exams")
def exams_page(request: Request, _: Anyone) -> Response:
    return _page(request, "exams.html")


@router.get("/exams/{reg_id}")
def exam_checkin_page(request: Request, reg_id: uuid.UUID, _: Anyone) -> Response:
    return _page(request, "exam.html", reg_id=str(reg_id))


@router.get("/exams/{reg_id}/live")
def exam_live_page(request: Request, reg_id: uuid.UUID, _: Anyone) -> Response:
    """The online exam in progress: the webcam re-verifies the candidate every few seconds."""
    return _page(request, "exam_live.html", reg_id=str(reg_id))
