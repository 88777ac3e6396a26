"""Before the application reads a body: who is asking, and how much may they send.

FastAPI reads and parses a request's body before it runs the route's dependencies, so the
token check in a dependency came after a 300 MB JSON body had been read into memory (and a
valid token let 400 MB reach the parser). This middleware runs first: a request with a body
is authenticated from its headers alone (401 without reading a byte of the body), and a body
over its endpoint's cap (:meth:`ServerLimits.body_cap`) is refused with 413 from its
``Content-Length``, or as soon as a body without one streams past the cap. The connection
is then closed after a short drain (:mod:`central.guard`). Requests without a body are
authenticated by the routes' own dependency, as before.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from central import service
from central.common import ApiError
from central.db import Database
from central.limits import ServerLimits
from kiosk.i18n import _

#: Where the device that made a request is kept for the route's dependency.
DEVICE_KEY = "kiosk.device"
#: What anyone may call without a token: the health probe, the API's description, enrolment.
PUBLIC = {("GET", "/v1/health"), ("HEAD", "/v1/health"), ("GET", "/openapi.json"),
          ("POST", "/v1/enrol"),  # a one-time code instead of a token (central/enrolment.py)
          ("GET", "/docs"), ("GET", "/docs/oauth2-redirect"), ("GET", "/redoc")}


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a body streams past its cap; an HTTPException, so FastAPI
    passes it through its own body reading to the app's handler (413)."""

    def __init__(self, cap: int) -> None:
        super().__init__(413, f"body larger than {cap} bytes")
        self.cap = cap


def too_large_body(cap: int) -> dict[str, Any]:
    return {"error": "body_too_large",
            "message": _("Nội dung yêu cầu lớn hơn mức máy chủ nhận ({limit} byte).",
                         limit=cap), "max_size": cap}


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


async def _answer(send: Any, status: int, body: dict[str, Any],
                  headers: dict[str, str] | None = None) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json"),
           (b"content-length", str(len(data)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


class RequestGate:
    def __init__(self, app: Any, db: Database, limits: ServerLimits) -> None:
        self.app = app
        self.db = db
        self.limits = limits

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        declared = _header(scope, b"content-length")
        has_body = _header(scope, b"transfer-encoding") is not None or (
            declared is not None and declared.strip() not in ("", "0"))
        # A request without a body is authenticated by the route's dependency (a 405 or 404
        # still answers as such); one with a body is authenticated here, before a byte of it.
        # The province page signs its users in with a session cookie (central/province.py);
        # the citizens' booking page is public (central/booking_page.py).
        if has_body and method != "OPTIONS" and (method, path) not in PUBLIC \
                and not path.startswith(("/province/", "/dat-lich/")):
            authorization = _header(scope, b"authorization") or ""
            scheme, _sep, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                await _answer(send, 401, {
                    "error": "unauthorized",
                    "message": _("Thiết bị chưa đăng ký hoặc mã truy cập không đúng.")},
                    {"WWW-Authenticate": "Bearer"})
                return
            try:
                device = await run_in_threadpool(service.authenticate, self.db, token.strip(),
                                                 _header(scope, b"kiosk-machine"))
            except ApiError as exc:
                await _answer(send, exc.status, exc.body(), exc.headers)
                return
            scope.setdefault("state", {})[DEVICE_KEY] = device
        cap = self.limits.body_cap(method, path)
        if declared is not None and declared.strip().isdigit() and int(declared) > cap:
            await _answer(send, 413, too_large_body(cap))
            return
        received = 0

        async def counted() -> dict[str, Any]:
            nonlocal received
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise BodyTooLarge(cap)
            return message

        await self.app(scope, counted, send)
