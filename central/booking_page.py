"""The citizens' booking page (issue 27) at ``/dat-lich/``: public, no sign-in, no script.

A person chooses the unit, the group and a day, sees the free slots, gives a phone or CCCD
number and gets a booking code with its QR, to show at the counter's reader. Slots and
refusals are the counter's own (:class:`~kiosk.citizen.booking_rules.BookingRules` over the
settings a unit's counter published, :mod:`kiosk.citizen.booking_publish`); the booking is
made by :func:`central.bookings.make`, in the same table and under the same slot lock as the
counters' API, so a counter lists it and checks it in by its code.

Against cross-site posts: a random token in a ``SameSite=Strict`` cookie must come back in
the form (double submit), and a post whose ``Origin`` is another site is refused. Against a
script filling the slots or guessing codes: :class:`RateLimit` per client address (see
:class:`PageLimits`).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from central import booking_html, bookings
from central.common import ApiError, Device
from central.db import Database
from kiosk.citizen.booking_publish import from_published
from kiosk.citizen.booking_rules import CODE_RE, clean_contact, new_code, parse_at, slot_text
from kiosk.clock import now, to_local
from kiosk.errors import InvalidInput
from kiosk.i18n import _

COOKIE = "kiosk_dat_lich"
#: No script, nothing from elsewhere, never in a frame (the province page's policy).
HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                      "font-src 'self'; img-src 'self'; form-action 'self'; "
                                      "frame-ancestors 'none'; base-uri 'none'",
           "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "same-origin", "Cache-Control": "no-store"}
#: Who made a booking on the page (the ``made_by`` and ``device_id`` of its row).
WEB = "web"


@dataclass(frozen=True)
class PageLimits:
    #: Bookings one client address may make per window: a family books for a few people,
    #: a script trying to fill a day's slots is stopped after these.
    bookings: int = 5
    #: Posts of the form (refused ones included) per window: room for typing mistakes.
    posts: int = 30
    #: Look-ups of a booking's page (``/dat-lich/hen/<code>``): a person reloads theirs a few
    #: times; a script guessing codes would read other people's times and units.
    lookups: int = 60
    #: Look-ups of codes that do not exist: a person mistypes one now and then, a guesser
    #: misses nearly every time, so these stop it long before ``lookups`` would.
    misses: int = 10
    window_seconds: float = 3600.0


class RateLimit:
    """Sliding windows per client address, in this process's memory (each server process
    counts for itself; a restart forgets)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str, t: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= t - self.window:
            hits.popleft()
        return hits

    def full(self, key: str) -> bool:
        with self._lock:
            return len(self._live(key, time.monotonic())) >= self.limit

    def hit(self, key: str) -> None:
        with self._lock:
            t = time.monotonic()
            if len(self._hits) > 50_000:  # forget idle addresses rather than grow
                for k in [k for k, v in self._hits.items() if not v or v[-1] <= t - self.window]:
                    del self._hits[k]
            self._live(key, t).append(t)


def _html(text: str, status: int = 200, token: str = "", secure: bool = False) -> HTMLResponse:
    resp = HTMLResponse(text, status_code=status, headers=HEADERS)
    if token:
        resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure,
                        path="/dat-lich/")
    return resp


def _address(request: Request) -> str:
    # Behind a reverse proxy uvicorn takes the address from X-Forwarded-For when the proxy
    # is trusted (--forwarded-allow-ips, 127.0.0.1 by default).
    return request.client.host if request.client else "?"


def _same_site(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:  # an older browser sends none; the token still has to match
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


def install(app: FastAPI, db: Database, limits: PageLimits | None = None) -> None:
    limits = limits or PageLimits()
    posts = RateLimit(limits.posts, limits.window_seconds)
    made = RateLimit(limits.bookings, limits.window_seconds)
    looked = RateLimit(limits.lookups, limits.window_seconds)
    missed = RateLimit(limits.misses, limits.window_seconds)

    def unit_rules(units: dict[str, dict[str, Any]], unit: str) -> tuple[Any, Any]:
        if unit not in units:
            raise InvalidInput(_("Đơn vị «{unit}» chưa nhận đặt hẹn qua trang này.", unit=unit))
        return from_published(units[unit])

    def view(params: dict[str, str], token: str, error: str = "", status: int = 200,
             secure: bool = False) -> HTMLResponse:
        units = bookings.published_units(db)
        unit, service = params.get("unit", ""), params.get("service", "").strip().upper()
        if not unit and len(units) == 1:  # one unit on this server: nothing to choose
            unit = next(iter(units))
        day_text = params.get("day") or params.get("at", "")[:10]  # a refused post: its day
        t = now()
        first, last, table = t.date(), t.date() + timedelta(days=14), ""
        if unit in units and service and day_text:
            try:
                rules, calendar = unit_rules(units, unit)
                last = first + timedelta(days=rules.horizon_days)
                service = rules.check_service(service, dict(units[unit].get("services") or {}))
                try:
                    day = date.fromisoformat(day_text)
                except ValueError:
                    raise InvalidInput(_("Ngày «{day}» không hợp lệ.", day=day_text)) from None
                starts = [s for s in rules.check_day(calendar, service, day, t) if s > t]
                cap = rules.capacity(service, day)
                used = bookings.taken(db, unit, service, day.isoformat(),
                                      t - timedelta(minutes=rules.release_minutes))
                rows = [{"start": s, "at": slot_text(s), "capacity": cap,
                         "free": max(0, cap - used.get(slot_text(s), 0))} for s in starts]
                table = booking_html.slots(unit, service, day, rows, token,
                                           params.get("phone", ""), params.get("cccd", ""),
                                           params.get("at", ""))
            except InvalidInput as exc:
                error = error or exc.message
        elif unit in units:
            last = first + timedelta(days=int(units[unit].get("horizon_days") or 14))
        body = booking_html.refused(error) + booking_html.choose(
            units, unit if unit in units else "", service, day_text, first, last) + table
        return _html(booking_html.page(_("Đặt lịch hẹn"), body), status, token, secure)

    def book(form: dict[str, str]) -> str:
        units = bookings.published_units(db)
        unit = form.get("unit", "")
        rules, calendar = unit_rules(units, unit)
        service = rules.check_service(form.get("service", ""),
                                      dict(units[unit].get("services") or {}))
        if not form.get("at"):
            raise InvalidInput(_("Chọn một giờ hẹn còn chỗ."))
        at = parse_at(form["at"])
        t = now()
        rules.check_time(calendar, service, at, t)
        phone, cccd = clean_contact(form.get("phone"), form.get("cccd"))
        answer: dict[str, Any] = {}
        for _attempt in range(3):
            body = bookings.BookingIn(
                code=new_code(), service=service, at=at, day=at.date(), phone=phone,
                id_number=cccd, made_by=WEB, capacity=rules.capacity(service, at.date()),
                release_before=t - timedelta(minutes=rules.release_minutes))
            try:
                answer = bookings.make(db, Device(WEB, unit, WEB), body, Response())
                break
            except ApiError as exc:
                if exc.code != "code_taken":
                    raise
        return str(answer["code"])

    @app.get("/dat-lich", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse("/dat-lich/", status_code=308)

    @app.get("/dat-lich/", include_in_schema=False)
    def form_page(request: Request) -> Response:
        token = request.cookies.get(COOKIE) or ""
        if not (20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()):
            token = secrets.token_urlsafe(24)
        return view(dict(request.query_params), token, secure=request.url.scheme == "https")

    @app.post("/dat-lich/", include_in_schema=False)
    async def post(request: Request) -> Response:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        cookie = request.cookies.get(COOKIE) or ""
        sent = form.get("csrf") or ""
        secure = request.url.scheme == "https"
        if not cookie or not hmac.compare_digest(sent.encode(), cookie.encode()) \
                or not _same_site(request):
            return _html(booking_html.page(_("Đặt lịch hẹn"), booking_html.refused(
                _("Biểu mẫu đã hết hạn hoặc không được gửi từ trang này. Mời mở lại trang "
                  "đặt hẹn và làm lại.")) + "<p><a href='/dat-lich/'>" +
                _("Mở lại trang đặt hẹn") + "</a></p>"), 403)
        who = _address(request)
        if posts.full(who) or made.full(who):
            return view(form, cookie, _("Máy của bạn đã gửi quá nhiều yêu cầu đặt hẹn trong "
                                        "một giờ qua. Mời thử lại sau, hoặc đến quầy lấy số."),
                        429, secure)
        posts.hit(who)
        try:
            code = await _threaded(book, form)
        except (InvalidInput, ApiError) as exc:
            return view(form, cookie, exc.message, 409 if isinstance(exc, ApiError) else 422,
                        secure)
        made.hit(who)
        return RedirectResponse(f"/dat-lich/hen/{code}", status_code=303)

    @app.get("/dat-lich/hen/{code}", include_in_schema=False)
    def booking(code: str, request: Request) -> Response:
        who = _address(request)
        if looked.full(who) or missed.full(who):
            return _html(booking_html.page(_("Đặt lịch hẹn"), booking_html.refused(
                _("Máy của bạn đã tra cứu quá nhiều mã hẹn trong một giờ qua. Mời thử lại "
                  "sau, hoặc hỏi tại quầy."))), 429)
        looked.hit(who)
        found = bookings.lookup(db, None, code.upper()) if CODE_RE.match(code.upper()) else None
        if found is None:
            missed.hit(who)
            return _html(booking_html.page(_("Đặt lịch hẹn"), booking_html.refused(
                _("Không tìm thấy lịch hẹn {code}.", code=code))), 404)
        settings = bookings.published_units(db).get(str(found["unit_code"]), {})
        at = to_local(parse_at(str(found["at"])))
        body = booking_html.booked(
            found, str(settings.get("unit_name") or found["unit_code"]),
            str(dict(settings.get("services") or {}).get(found["service"], "")), at,
            int(settings.get("checkin_early_minutes") or 30),
            int(settings.get("release_minutes") or 15))
        return _html(booking_html.page(_("Mã hẹn {code}", code=found["code"]), body))

    @app.get("/dat-lich/qr/{name}", include_in_schema=False)
    def qr(name: str) -> Response:
        code = name.removesuffix(".png").upper()
        if not name.endswith(".png") or not CODE_RE.match(code):
            return Response(status_code=404)
        from kiosk.forms.barcodes import qr_png

        return Response(qr_png(code), media_type="image/png",
                        headers={"Cache-Control": "max-age=86400",
                                 "X-Content-Type-Options": "nosniff"})


async def _threaded(fn: Any, *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args)
