"""The province's web page (issue 26), served by the central server under ``/province/``.

Sign-in with the accounts of :mod:`central.province_auth`; every form carries a CSRF token
(the sign-in form a cookie-bound one, the others the session's), checked before anything is
done. A unit's viewer sees only its unit's counters and dossiers. The figures per unit are
:func:`central.reports.summary`'s, the same as ``kiosk central report`` for the period.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import secrets
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from central import fleet, province_auth, province_html
from central.common import ApiError
from central.db import Database
from kiosk import clock, paths
from kiosk.errors import KioskError
from kiosk.i18n import _

SESSION_COOKIE = "kiosk_province"
LOGIN_COOKIE = "kiosk_province_login"
#: No script, nothing from elsewhere, never in a frame.
HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                      "font-src 'self'; img-src 'self'; form-action 'self'; "
                                      "frame-ancestors 'none'; base-uri 'none'",
           "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "same-origin", "Cache-Control": "no-store"}
MAX_UPLOAD = 16 << 20


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers=HEADERS)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or \
        request.headers.get("x-forwarded-proto", "").lower() == "https"


def _set_cookie(response: Response, request: Request, name: str, value: str,
                max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/province", httponly=True,
                        samesite="strict", secure=_secure(request))


def _refused() -> HTMLResponse:
    body = province_html.message(_("Yêu cầu không hợp lệ hoặc phiên làm việc đã hết hạn; "
                                   "hãy tải lại trang rồi thử lại."))
    return _html(province_html.page(_("Yêu cầu bị từ chối"), body), 403)


def install(app: FastAPI, db: Database) -> None:
    def who(request: Request) -> tuple[province_auth.User, str] | None:
        return province_auth.session(db, request.cookies.get(SESSION_COOKIE))

    async def signed_in(request: Request, province_only: bool = False
                        ) -> tuple[province_auth.User, str] | Response:
        """The user and the session's CSRF token, or where to go instead: the sign-in page,
        or the refusal for a unit's viewer on a page only the province's staff may use."""
        found = await run_in_threadpool(who, request)
        if found is None:
            return RedirectResponse("/province/login", status_code=303)
        if province_only and found[0].role != "province":
            return _refused()
        return found

    async def checked_form(request: Request, province_only: bool = False
                           ) -> tuple[province_auth.User, Any] | Response:
        """A POST from a signed-in user with the session's CSRF token, or the refusal."""
        found = await signed_in(request, province_only)
        if isinstance(found, Response):
            return found
        user, csrf = found
        try:
            form = await request.form(max_part_size=MAX_UPLOAD)
        except Exception:  # a body that is no form at all
            return _refused()
        sent = form.get("csrf")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, csrf):
            return _refused()
        return user, form

    @app.get("/province/login", include_in_schema=False)
    def login_page(request: Request) -> Response:
        token = secrets.token_urlsafe(32)
        response = _html(province_html.login(token))
        _set_cookie(response, request, LOGIN_COOKIE, token, max_age=3600)
        return response

    @app.post("/province/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        try:
            form = await request.form(max_part_size=64 * 1024)
        except Exception:
            return _refused()
        expected = request.cookies.get(LOGIN_COOKIE) or ""
        sent = form.get("csrf")
        if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
            return _refused()
        username, password = form.get("username"), form.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            return _refused()
        session = await run_in_threadpool(province_auth.sign_in, db, username.strip(),
                                          password[:province_auth.MAX_PASSWORD])
        if session is None:
            token = secrets.token_urlsafe(32)
            refused = _html(province_html.login(token, _(
                "Tên đăng nhập hoặc mật khẩu không đúng. Sau {n} lần sai liên tiếp, tài khoản "
                "bị khóa {minutes} phút.", n=province_auth.MAX_FAILURES,
                minutes=province_auth.LOCK_MINUTES), username.strip()[:64]), 401)
            _set_cookie(refused, request, LOGIN_COOKIE, token, max_age=3600)
            return refused
        response = RedirectResponse("/province/", status_code=303, headers=HEADERS)
        _set_cookie(response, request, SESSION_COOKIE, session[0],
                    max_age=province_auth.SESSION_HOURS * 3600)
        response.delete_cookie(LOGIN_COOKIE, path="/province")
        return response

    @app.post("/province/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        found = await checked_form(request)
        if isinstance(found, Response):
            return found
        await run_in_threadpool(province_auth.sign_out, db,
                                request.cookies.get(SESSION_COOKIE, ""))
        response = RedirectResponse("/province/login", status_code=303, headers=HEADERS)
        response.delete_cookie(SESSION_COOKIE, path="/province")
        return response

    @app.get("/province/", include_in_schema=False)
    async def counters(request: Request) -> Response:
        found = await signed_in(request)
        if isinstance(found, Response):
            return found
        user, csrf = found
        unit = None if user.role == "province" else user.unit_code
        rows = await run_in_threadpool(lambda: fleet.devices(db, unit=unit))
        body = province_html.counters(rows, clock.iso(clock.now()),
                                      csrf if user.role == "province" else "")
        return _html(province_html.page(_("Quầy"), body, user=user, csrf=csrf,
                                        active="counters"))

    @app.get("/province/portal", include_in_schema=False)
    async def portal_page(request: Request) -> Response:
        found = await signed_in(request)
        if isinstance(found, Response):
            return found
        user, csrf = found
        from central import portal_html, portal_outbox

        unit = None if user.role == "province" else user.unit_code
        failed = await run_in_threadpool(portal_outbox.failed, db, unit)
        counts = await run_in_threadpool(portal_outbox.counts, db, unit)
        body = portal_html.portal(counts, failed, bool(os.environ.get("KIOSK_PORTAL_URL")))
        return _html(province_html.page(_("Cổng Dịch vụ công quốc gia"), body, user=user,
                                        csrf=csrf, active="portal"))

    @app.get("/province/devices/{device_id}/revoke", include_in_schema=False)
    async def revoke_page(request: Request, device_id: str) -> Response:
        found = await signed_in(request, province_only=True)
        if isinstance(found, Response):
            return found
        user, csrf = found
        rows = await run_in_threadpool(fleet.devices, db)
        row = next((r for r in rows if r["id"] == device_id and not r["revoked"]), None)
        if row is None:
            return Response(status_code=404, headers=HEADERS)
        return _html(province_html.page(_("Thu hồi quầy"), province_html.revoke_confirm(
            row, csrf), user=user, csrf=csrf, active="counters"))

    @app.post("/province/devices/{device_id}/revoke", include_in_schema=False)
    async def revoke(request: Request, device_id: str) -> Response:
        """The counter's next request is refused, and it says so (token_revoked)."""
        from central import service

        found = await checked_form(request, province_only=True)
        if isinstance(found, Response):
            return found
        if await run_in_threadpool(service.revoke_device, db, device_id) is None:
            return Response(status_code=404, headers=HEADERS)
        return RedirectResponse("/province/", status_code=303, headers=HEADERS)

    @app.get("/province/reports", include_in_schema=False)
    async def reports_page(request: Request) -> Response:
        found = await signed_in(request)
        if isinstance(found, Response):
            return found
        user, csrf = found
        today = clock.now().date()
        first_text = request.query_params.get("from") or today.replace(day=1).isoformat()
        last_text = request.query_params.get("to") or today.isoformat()
        error, units, citizen, overdue = "", [], {}, {}
        try:
            first, last = date.fromisoformat(first_text), date.fromisoformat(last_text)
            if last < first or (last - first).days > 3660:
                raise ValueError
        except ValueError:
            error = _("Khoảng ngày không hợp lệ: chọn ngày bắt đầu trước ngày kết thúc, "
                      "tối đa 10 năm.")
        if not error:
            from central import province_figures

            mine = None if user.role == "province" else user.unit_code
            # Three reads on three connections at once: the database works on them side by
            # side, so the page takes about its slowest part rather than their sum. The
            # table shows each unit's whole figures: the breakdowns by group, priority and
            # booking would cost a sort of every ticket of the period each.
            units, citizen, overdue = await asyncio.gather(
                run_in_threadpool(_units, db, user, first, last),
                run_in_threadpool(partial(province_figures.citizen, breakdown=False),
                                  db, first, last, mine),
                run_in_threadpool(partial(province_figures.overdue,
                                          shown=province_figures.OVERDUE_SHOWN),
                                  db, first, last, mine))
        body = province_html.reports((first_text[:10], last_text[:10]), units, error,
                                     citizen, overdue)
        return _html(province_html.page(_("Hồ sơ theo đơn vị"), body, user=user, csrf=csrf,
                                        active="reports"), 422 if error else 200)

    @app.get("/province/publications", include_in_schema=False)
    async def publications_page(request: Request) -> Response:
        found = await signed_in(request)
        if isinstance(found, Response):
            return found
        user, csrf = found
        return await _publications(user, csrf)

    async def _publications(user: Any, csrf: str, note: str = "", error: str = "",
                            status: int = 200) -> Response:
        rows = await run_in_threadpool(fleet.publications, db)
        body = province_html.publications(rows, csrf, user.role == "province", note, error)
        return _html(province_html.page(_("Danh mục và lịch"), body, user=user, csrf=csrf,
                                        active="publications"), status)

    @app.post("/province/publications", include_in_schema=False)
    async def publish(request: Request) -> Response:
        found = await checked_form(request, province_only=True)
        if isinstance(found, Response):
            return found
        user, form = found
        csrf = form["csrf"]
        kind, upload = form.get("kind"), form.get("file")
        if kind not in fleet.KINDS or upload is None or isinstance(upload, str):
            return await _publications(user, csrf, error=_("Chọn loại và tệp cần công bố."),
                                       status=422)
        content = await upload.read(MAX_UPLOAD + 1)
        try:
            done = await run_in_threadpool(lambda: fleet.publish(
                db, kind, content, draft=form.get("draft") == "1", by=user.username))
        except (KioskError, ApiError) as exc:
            return await _publications(user, csrf, error=exc.message, status=422)
        note = _("Đã công bố {kind} phiên bản {version}; các quầy nhận ở lần đồng bộ tới.",
                 kind=kind, version=done["version"]) if done["state"] == "published" else \
            _("Đã lưu bản nháp {version}.", version=done["version"])
        return await _publications(user, csrf, note=note)

    @app.get("/province/enrol", include_in_schema=False)
    async def enrol_page(request: Request) -> Response:
        found = await signed_in(request, province_only=True)
        if isinstance(found, Response):
            return found
        user, csrf = found
        return _html(province_html.page(_("Đăng ký quầy"), province_html.enrol_form(csrf),
                                        user=user, csrf=csrf, active="enrol"))

    @app.post("/province/enrol", include_in_schema=False)
    async def enrol(request: Request) -> Response:
        """A one-time enrolment code, shown as a QR the counter's barcode reader reads."""
        import segno

        from central import enrolment

        found = await checked_form(request, province_only=True)
        if isinstance(found, Response):
            return found
        user, form = found
        csrf = form["csrf"]
        unit, name = str(form.get("unit") or "").strip(), str(form.get("name") or "").strip()
        try:
            created = await run_in_threadpool(enrolment.create_code, db, unit, name[:200],
                                              user.username)
        except ApiError as exc:
            body = province_html.enrol_form(csrf, exc.message, unit, name)
            return _html(province_html.page(_("Đăng ký quầy"), body, user=user, csrf=csrf,
                                            active="enrol"), 422)
        # The address the counters reach, when the page is seen through another one.
        server = os.environ.get("KIOSK_CENTRAL_PUBLIC_URL") or str(request.base_url)
        payload = enrolment.payload(created["code"], server)
        svg = segno.make(payload, error="m").svg_inline(scale=6, border=2)
        body = province_html.enrol_code(created, payload, svg)
        return _html(province_html.page(_("Đăng ký quầy"), body, user=user, csrf=csrf,
                                        active="enrol"))

    @app.get("/province/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in province_html.FONTS:
            return Response(status_code=404)
        path: Path = paths.asset("fonts", name)
        return FileResponse(path, media_type="font/ttf",
                            headers={"Cache-Control": "max-age=86400"})

    @app.get("/province", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse("/province/", status_code=308)


def _units(db: Database, user: province_auth.User, first: date, last: date
           ) -> list[dict[str, Any]]:
    from central import reports

    if user.role == "province":
        return list(reports.summary(db, first, last).get("units", []))
    report = reports.summary(db, first, last, user.unit_code)
    return [report] if report["received"]["total"] or report["pending"]["total"] else []
