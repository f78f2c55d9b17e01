"""Table-driven: every route declares its access, and each role reaches only its routes."""

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core.app import RouteWithoutAccess, check_route_access, iter_api_routes
from core.auth.deps import route_access
from core.models import Role
from tests.support.factories import citizen_token, make_citizen, staff_headers

STAFF = frozenset(r.value for r in Role)
PUBLIC = "public"
REVIEWERS = frozenset({"reviewer", "supervisor"})
EXAM_DESK = frozenset({"exam_officer", "admin"})
# Every route of the app and who may call it. A new route fails this test until it is listed here.
EXPECTED: dict[str, frozenset[str] | str] = {
    "GET /healthz": PUBLIC,
    "GET /readyz": PUBLIC,
    "POST /api/auth/token": PUBLIC,
    "GET /api/auth/me": STAFF,
    "POST /api/auth/logout": STAFF,
    "POST /api/auth/password": STAFF,
    "GET /api/admin/users": frozenset({"admin"}),
    "POST /api/admin/users": frozenset({"admin"}),
    "PATCH /api/admin/users/{user_id}": frozenset({"admin"}),
    "GET /api/ops/jobs": frozenset({"ops", "admin"}),
    "GET /metrics": frozenset(
        {"ops", "admin"}
    ),  # or the TVP_METRICS_TOKEN bearer (tests/core/test_metrics.py)
    "POST /api/ops/jobs/{job_id}/retry": frozenset({"ops", "admin"}),
    "GET /api/ops/opendata": frozenset({"ops", "admin"}),
    "GET /api/ops/opendata/{month}/{name}": frozenset({"ops", "admin"}),
    "POST /api/registry/citizens": frozenset({"admin"}),
    "GET /api/registry/citizens/{cccd}": frozenset({"reviewer", "supervisor", "exam_officer", "admin"}),
    "POST /api/registry/vehicles": frozenset({"admin"}),
    "GET /api/registry/vehicles/{plate}": frozenset({"reviewer", "supervisor", "admin"}),
    "GET /api/cameras": frozenset({"reviewer", "supervisor", "ops", "admin"}),
    "POST /api/cameras": frozenset({"ops", "admin"}),
    "POST /api/cameras/configs": frozenset({"ops", "admin"}),
    "GET /api/cameras/{code}/configs": frozenset({"reviewer", "supervisor", "ops", "admin"}),
    "GET /api/cameras/{code}/configs/{version}": frozenset({"reviewer", "supervisor", "ops", "admin"}),
    "GET /api/runs": frozenset({"ops", "admin"}),
    "GET /api/runs/{run_id}": frozenset({"ops", "admin"}),
    "GET /api/runs/{run_id}/events": frozenset({"ops", "admin"}),
    "GET /api/candidates": frozenset({"reviewer", "supervisor"}),
    "POST /api/candidates/{candidate_id}/claim": frozenset({"reviewer", "supervisor"}),
    "POST /api/candidates/{candidate_id}/release": frozenset({"reviewer", "supervisor"}),
    "POST /api/candidates/{candidate_id}/plate": frozenset({"reviewer", "supervisor"}),
    "POST /api/candidates/{candidate_id}/drop-rider": frozenset({"reviewer", "supervisor"}),
    "POST /api/candidates/{candidate_id}/reject": frozenset({"reviewer", "supervisor"}),
    "POST /api/candidates/{candidate_id}/escalate": frozenset({"reviewer", "supervisor"}),
    "POST /api/candidates/{candidate_id}/confirm": frozenset({"reviewer", "supervisor"}),
    "GET /api/notices/{notice_id}": frozenset({"reviewer", "supervisor"}),
    "POST /api/notices/{notice_id}/cancel": frozenset({"supervisor"}),
    "GET /api/citizen/v1/me": frozenset({"citizen"}),
    "GET /api/citizen/v1/notices": frozenset({"citizen"}),
    "GET /api/citizen/v1/notices/{notice_id}": frozenset({"citizen"}),
    "GET /api/citizen/v1/notices/{notice_id}/document.pdf": frozenset({"citizen"}),
    "GET /api/citizen/v1/notices/{notice_id}/verify": frozenset({"citizen"}),
    "GET /api/citizen/v1/events": frozenset({"citizen"}),
    "GET /api/citizen/v1/exams": frozenset({"citizen"}),
    "POST /api/citizen/v1/exams/registrations/{reg_id}/checkins": frozenset({"citizen"}),
    "POST /api/decisions": frozenset({"supervisor"}),
    "GET /api/decisions": frozenset({"supervisor"}),
    "GET /api/decisions/{decision_id}": frozenset({"supervisor"}),
    "GET /api/decisions/{decision_id}.pdf": frozenset({"supervisor"}),
    "GET /api/decisions/{decision_id}.html": frozenset({"supervisor"}),
    "GET /api/citizen/v1/decisions": frozenset({"citizen"}),
    "GET /api/citizen/v1/decisions/{decision_id}": frozenset({"citizen"}),
    "GET /api/citizen/v1/decisions/{decision_id}/document.pdf": frozenset({"citizen"}),
    "GET /api/citizen/v1/decisions/{decision_id}/document.html": frozenset({"citizen"}),
    "POST /api/citizen/v1/decisions/{decision_id}/receipt": frozenset({"citizen"}),
    "GET /api/citizen/v1/points": frozenset({"citizen"}),
    "POST /api/citizen/v1/devices": frozenset({"citizen"}),
    "GET /api/citizen/v1/devices": frozenset({"citizen"}),
    "DELETE /api/citizen/v1/devices/{endpoint_id}": frozenset({"citizen"}),
    "POST /api/citizen/v1/deliveries/{delivery_id}/receipt": frozenset({"citizen"}),
    "GET /api/citizen/v1/push/vapid-public-key": PUBLIC,
    "GET /api/deliveries/postal": frozenset({"supervisor"}),
    "GET /api/citizen/v1/notices/{notice_id}/evidence": frozenset({"citizen"}),
    "GET /api/citizen/v1/notices/{notice_id}/evidence/{name}": frozenset({"citizen"}),
    # The citizen's answers (citizen_app_api/responses.py) and the supervisors' dispute queue.
    **dict.fromkeys(
        (
            "POST /api/citizen/v1/notices/{notice_id}/acknowledge",
            "GET /api/citizen/v1/notices/{notice_id}/acknowledgement",
            "POST /api/citizen/v1/notices/{notice_id}/nominate",
            "GET /api/citizen/v1/nominations",
            "POST /api/citizen/v1/nominations/{nomination_id}/accept",
            "POST /api/citizen/v1/nominations/{nomination_id}/refuse",
            "POST /api/citizen/v1/notices/{notice_id}/disputes",
            "GET /api/citizen/v1/notices/{notice_id}/disputes",
        ),
        frozenset({"citizen"}),
    ),
    **dict.fromkeys(
        (
            "GET /api/disputes",
            "GET /api/disputes/{dispute_id}",
            "GET /api/disputes/{dispute_id}/attachments/{attachment_id}",
            "POST /api/disputes/{dispute_id}/decide",
            "GET /disputes",
            "GET /disputes/{dispute_id}",
            "POST /disputes/{dispute_id}/decide",
        ),
        frozenset({"supervisor"}),
    ),
    "GET /idp/.well-known/openid-configuration": PUBLIC,
    "GET /idp/jwks": PUBLIC,
    "GET /idp/authorize": PUBLIC,
    "POST /idp/authorize": PUBLIC,
    "POST /idp/token": PUBLIC,
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,
    "POST /logout": STAFF,
    "GET /": STAFF,
    "GET /ops/jobs": frozenset({"ops", "admin"}),
    "GET /ops/cameras": frozenset({"ops", "admin"}),
    "GET /ops/replays": frozenset({"ops", "admin"}),
    "POST /ops/replays": frozenset({"ops", "admin"}),
    "GET /ops/replays/{replay_id}": frozenset({"ops", "admin"}),
    "GET /ops/replays/{replay_id}/frames/{index}.jpg": frozenset({"ops", "admin"}),
    "POST /ops/replays/{replay_id}/promote": frozenset({"ops", "admin"}),
    "GET /analytics": frozenset({"supervisor", "ops", "admin"}),
    "GET /analytics.csv": frozenset({"supervisor", "ops", "admin"}),
    "GET /citizen": PUBLIC,
    "GET /citizen/callback": PUBLIC,
    "GET /citizen/notices": PUBLIC,
    "GET /citizen/notices/{notice_id}": PUBLIC,
    "GET /citizen/nominations": PUBLIC,
    "GET /citizen/decisions": PUBLIC,
    "GET /citizen/decisions/{decision_id}": PUBLIC,
    "GET /citizen/points": PUBLIC,
    "GET /citizen/exams": PUBLIC,
    "GET /citizen/exams/{reg_id}": PUBLIC,
    "GET /citizen/exams/{reg_id}/live": PUBLIC,
    "POST /ops/jobs/{job_id}/retry": frozenset({"ops", "admin"}),
    "POST /api/citizen/v1/decisions/{decision_id}/payments": frozenset({"citizen"}),
    "GET /api/citizen/v1/decisions/{decision_id}/payments": frozenset({"citizen"}),
    "GET /api/citizen/v1/payments/{payment_id}": frozenset({"citizen"}),
    "GET /api/citizen/v1/payments/{payment_id}/receipt.pdf": frozenset({"citizen"}),
    "GET /api/citizen/v1/payments/{payment_id}/receipt.html": frozenset({"citizen"}),
    "GET /api/payments/vnpay/ipn": PUBLIC,  # signature-checked (vnp_SecureHash) before anything else
    "GET /payments/vnpay/return": PUBLIC,  # display only, signature-checked
    "POST /api/payments/stripe/webhook": PUBLIC,  # Stripe-Signature checked before anything else
    "GET /payments/stripe/return": PUBLIC,  # display only, the client secret checked with Stripe
    "GET /api/payments/{payment_id}": frozenset({"supervisor"}),
    "POST /api/payments/{payment_id}/refunds": frozenset({"supervisor"}),
    "POST /api/exams": EXAM_DESK,
    "POST /api/exams/{exam_id}/candidates": EXAM_DESK,
    "POST /api/exams/{exam_id}/checkins": EXAM_DESK,
    "GET /api/exams/{exam_id}/checkins/{checkin_id}": EXAM_DESK,
    "POST /api/exams/{exam_id}/checkins/{checkin_id}/decision": EXAM_DESK,
    "POST /api/exams/{exam_id}/candidates/{cccd}/reverifications": EXAM_DESK,
    "POST /api/exams/{exam_id}/me/reverifications": frozenset({"citizen"}),
    "GET /api/exams/{exam_id}/flags": EXAM_DESK,
    "GET /api/exams/{exam_id}/flags/{flag_id}/evidence": EXAM_DESK,
    "POST /api/exams/{exam_id}/flags/{flag_id}/resolution": EXAM_DESK,
    **dict.fromkeys(
        (
            "GET /exams",
            "POST /exams",
            "GET /exams/{exam_id}",
            "POST /exams/{exam_id}/candidates",
            "GET /exams/{exam_id}/candidates/{reg_id}/checkin",
            "POST /exams/{exam_id}/candidates/{reg_id}/checkin",
            "GET /exams/{exam_id}/checkins/{checkin_id}",
            "POST /exams/{exam_id}/checkins/{checkin_id}/decision",
        ),
        EXAM_DESK,
    ),
    "POST /api/training/enrolments": EXAM_DESK,
    "GET /api/training/enrolments/{enrolment_id}": EXAM_DESK,
    "POST /api/training/enrolments/{enrolment_id}/checkin": EXAM_DESK,
    "POST /api/training/enrolments/{enrolment_id}/checkout": EXAM_DESK,
    "GET /api/training/enrolments/{enrolment_id}/sessions": EXAM_DESK,
    "GET /api/training/enrolments/{enrolment_id}/totals": EXAM_DESK,
    "GET /proctoring": EXAM_DESK,
    "GET /proctoring/{exam_id}": EXAM_DESK,
    "POST /proctoring/{exam_id}/flags/{flag_id}/resolution": EXAM_DESK,
    "GET /decisions/pending": frozenset({"supervisor"}),
    "POST /decisions": frozenset({"supervisor"}),
    "GET /decisions": frozenset({"supervisor"}),
    "GET /decisions/{decision_id}": frozenset({"supervisor"}),
    "GET /payments/reconciliation": frozenset({"supervisor"}),
    "POST /payments/reconciliation/{mismatch_id}/attach": frozenset({"supervisor"}),
    "POST /payments/reconciliation/{mismatch_id}/refund": frozenset({"supervisor"}),
    "POST /payments/reconciliation/{mismatch_id}/write-off": frozenset({"supervisor"}),
    **dict.fromkeys(
        (
            "GET /review",
            "GET /review/export.csv",
            "POST /review/next",
            "POST /review/{candidate_id}/release",
            "POST /review/{candidate_id}/claim",
            "GET /review/{candidate_id}",
            "POST /review/{candidate_id}/confirm",
            "POST /review/{candidate_id}/plate",
            "POST /review/{candidate_id}/reject",
            "POST /review/{candidate_id}/drop-rider",
            "POST /review/{candidate_id}/escalate",
            "GET /evidence/{item_id}",
            "GET /evidence/{item_id}/preview.webm",
            "GET /notices/{notice_id}",
            "GET /notices/{notice_id}/pdf",
        ),
        REVIEWERS,
    ),
}
PRINCIPALS = ["anonymous", "citizen", *sorted(STAFF)]
PARAMS = {
    "month": "2025-03",
    "replay_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d16",
    "index": "12",
    "job_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d11",
    "user_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d10",
    "candidate_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d12",
    "notice_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d13",
    "item_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d14",
    "cccd": "079090123456",
    "plate": "51G12345",
    "code": "HCM-Q1-001",
    "version": "1",
    "decision_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d15",
    "endpoint_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d15",
    "delivery_id": "msg_0123456789abcdef01234567",
    "name": "blurred-frame-at.png",
    "nomination_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d15",
    "dispute_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d16",
    "attachment_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d17",
    "payment_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d16",
    "mismatch_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d18",
    "exam_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d19",
    "checkin_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d1a",
    "flag_id": "1b9a7c51-7f4e-4a0e-8c55-0c2f9e1d3a77",
    "reg_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d1b",
    "run_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d1c",
    "enrolment_id": "6f1c1f3e-7a53-4c39-9a39-2f2b4b0c7d1c",
}


def _routes(app: FastAPI) -> list[tuple[str, APIRoute]]:
    return [(f"{method} {path}", route) for method, path, route in iter_api_routes(app)]


def test_every_route_is_listed_with_its_declared_access(app: FastAPI) -> None:
    seen = {}
    for key, route in _routes(app):
        access = route_access(route)
        assert access is not None, key
        seen[key] = PUBLIC if access.public else access.grants
    assert seen == EXPECTED


def test_app_refuses_a_route_without_access() -> None:
    bare = FastAPI()

    @bare.get("/forgot")
    def forgot() -> dict[str, str]:
        return {}

    with pytest.raises(RouteWithoutAccess, match="/forgot"):
        check_route_access(bare)


@pytest.fixture
def headers_by_principal(client: TestClient, db: Session) -> dict[str, dict[str, str]]:
    citizen = make_citizen(db, serial=777)
    db.commit()
    out = {"anonymous": {}, "citizen": {"Authorization": f"Bearer {citizen_token(client, citizen.cccd)}"}}
    for role in Role:
        out[role.value] = staff_headers(role)
    return out


def test_each_role_reaches_only_its_routes(
    app: FastAPI, client: TestClient, headers_by_principal: dict[str, dict[str, str]]
) -> None:
    failures = []
    sign_out_last = sorted(_routes(app), key=lambda route: route[0] == "POST /api/auth/logout")
    for key, _route in sign_out_last:
        allowed = EXPECTED[key]
        if allowed == PUBLIC:
            continue
        method, path = key.split(" ", 1)
        url = re.sub(r"\{(\w+)\}", lambda m: PARAMS[m.group(1)], path)
        for who in PRINCIPALS:
            resp = client.request(method, url, headers=headers_by_principal[who], follow_redirects=False)
            body = resp.json() if resp.headers.get("content-type", "").startswith("application/json") else {}
            body = body if isinstance(body, dict) else {}
            if who == "anonymous":
                ok = resp.status_code == 401 and body.get("error") == "Unauthorized"
            elif who in allowed:
                ok = resp.status_code not in (401,) and body.get("error") != "AccessDenied"
            else:
                ok = resp.status_code == 403 and body.get("error") == "AccessDenied"
            if not ok:
                failures.append(f"{who:>12} {key}: {resp.status_code} {body}")
    assert not failures, "\n".join(failures)


def test_forged_and_malformed_tokens_are_rejected(client: TestClient) -> None:
    import jwt

    forged = jwt.encode(
        {"sub": "x", "sid": "y", "aud": "tvp-staff", "iat": 1, "exp": 4_000_000_000},
        "not-the-secret-but-long-enough-for-hs256",
        algorithm="HS256",
    )
    for header in (f"Bearer {forged}", "Bearer not.a.jwt", "Basic YWRtaW46YWRtaW4=", "Bearer "):
        resp = client.get("/api/auth/me", headers={"Authorization": header})
        assert resp.status_code == 401 and resp.json()["error"] == "Unauthorized", header


def test_disabled_user_token_stops_working(client: TestClient, db: Session) -> None:
    from core.auth.tokens import issue_staff_token
    from tests.support.factories import make_staff

    user = make_staff(db, Role.reviewer)
    db.commit()
    token, _ = issue_staff_token(db, user)
    db.commit()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/auth/me", headers=auth).status_code == 200
    user.active = False
    db.commit()
    assert client.get("/api/auth/me", headers=auth).status_code == 401


def _sample_path(path: str) -> str:
    """``path`` with each parameter filled in (a segment, or two for a ``:path`` parameter)."""
    return re.sub(r"\{([^}:]+)(:path)?[^}]*\}", lambda m: "a/b" if m.group(2) else f"p-{m.group(1)}", path)


def _shadowed(app: FastAPI) -> list[str]:
    from starlette.routing import compile_path

    ordered = [(method, path, compile_path(path)[0]) for method, path, _ in iter_api_routes(app)]
    found = []
    for method, path, _ in ordered:
        concrete = _sample_path(path)
        first = next(p for m, p, regex in ordered if m == method and regex.match(concrete))
        if first != path:
            found.append(f"{method} {path} is reached as {first}")
    return found


def test_no_route_is_shadowed_by_one_matched_before_it(app: FastAPI) -> None:
    """Routes are matched in order, and some routers go first (core.app.MATCHED_FIRST): a request for any
    route must reach that route, not an earlier one whose pattern also takes its path."""
    assert _shadowed(app) == []
    toy = FastAPI()
    toy.get("/things/{thing_id}")(lambda thing_id: thing_id)
    toy.get("/things/mine")(lambda: "mine")
    toy.post("/things/mine")(lambda: "made")
    assert _shadowed(toy) == ["GET /things/mine is reached as /things/{thing_id}"]
