"""ASGI guards in front of every route: a cap on request bodies (checked before anything is parsed or
authenticated), no NUL bytes in text input, and the security headers every response carries."""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.config import Settings

TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded")
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
# The embedded IdP's sign-in page styles itself inline; its form ends in a redirect to the app's own URI
# scheme, which form-action would block.
CSP_IDP = CSP.replace("; form-action 'self'", "").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)
# Swagger UI (dev only) comes from jsDelivr with an inline bootstrap script.
CSP_DOCS = (
    "default-src 'self'; img-src 'self' data: https://fastapi.tiangolo.com; "
    "style-src 'self' https://cdn.jsdelivr.net; "
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "frame-ancestors 'none'"
)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


async def _reply(scope: Scope, send: Send, status: int, error: str, detail: str) -> None:
    wants_html = "text/html" in _header(scope, b"accept") and not scope["path"].startswith("/api/")
    if wants_html:
        body = f"<!doctype html><meta charset=utf-8><title>{status}</title><p>{detail}</p>".encode()
        content_type = b"text/html; charset=utf-8"
    else:
        body = json.dumps({"error": error, "detail": detail}).encode()
        content_type = b"application/json"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """Refuses a body over the limit (413) before the app reads it, and NUL bytes in the path, the
    query or a JSON/form body (422): no text field of tvp may hold one, and PostgreSQL cannot store it."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, larger: Mapping[str, int] | None = None):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.larger = dict(larger or {})  # path prefix → limit, for routes that take uploads

    def limit_for(self, path: str) -> int:
        matches = [n for prefix, n in self.larger.items() if path.startswith(prefix)]
        return max(matches or [self.max_body_bytes])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b"") + scope.get("raw_path", b""):
            await _reply(scope, send, 422, "InvalidInput", "NUL bytes are not allowed in the address")
            return
        limit = self.limit_for(scope["path"])
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > limit:
            await _reply(scope, send, 413, "PayloadTooLarge", f"request body over {limit} bytes")
            return
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                await _reply(scope, send, 413, "PayloadTooLarge", f"request body over {limit} bytes")
                return
        content_type = _header(scope, b"content-type").split(";")[0].strip().lower()
        if content_type in TEXT_BODIES and (b"\x00" in body or b"%00" in body or b"\\u0000" in body):
            await _reply(scope, send, 422, "InvalidInput", "NUL bytes are not allowed in text input")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: wait for the client to disconnect
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


class SecurityHeaders:
    """CSP, framing, sniffing and referrer rules on every response; ``no-store`` on everything but static
    files (pages, API answers and evidence hold personal data); HSTS when configured."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        self.hsts = settings.hsts_seconds

    def _extra(self, path: str) -> list[tuple[bytes, bytes]]:
        csp = CSP_DOCS if path in ("/docs", "/redoc") else CSP_IDP if path.startswith("/idp/") else CSP
        headers = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
        ]
        if self.hsts:
            headers.append((b"strict-transport-security", f"max-age={self.hsts}; includeSubDomains".encode()))
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {key.lower() for key, _ in headers}
                headers += [h for h in self._extra(path) if h[0] not in present]
                if b"cache-control" not in present and not path.startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
