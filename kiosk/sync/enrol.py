"""Enrolment by the province's one-time code (issue 26 §2): what the counter's barcode reader
read from the province page's QR, traded for the device token (``POST /v1/enrol``)."""

from __future__ import annotations

import re

import httpx

from kiosk.errors import InvalidInput
from kiosk.i18n import _
from kiosk.sync.errors import describe

PREFIX = "kiosk-enrol:"
_CODE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def parse_payload(text: str) -> tuple[str, str | None]:
    """``(code, server URL or None)`` from the QR's ``kiosk-enrol:CODE:URL`` or a bare code."""
    text = text.strip()
    server: str | None = None
    if text.lower().startswith(PREFIX):
        code, _sep, rest = text[len(PREFIX):].partition(":")
        server = rest.strip() or None
    else:
        code = text
    if not _CODE.match(code):
        raise InvalidInput(_("Đây không phải mã đăng ký với máy chủ."),
                           hint=_("Quét mã QR «Đăng ký quầy» trên trang của tỉnh."))
    return code, server


def redeem(http: httpx.Client, code: str) -> str:
    """The device token for ``code``; a clear refusal when the code is spent or expired."""
    try:
        r = http.post("/v1/enrol", json={"code": code})
    except (httpx.HTTPError, OSError) as exc:
        raise InvalidInput(_("Không kết nối được máy chủ: {error}", error=describe(exc)),
                           hint=_("Kiểm tra mạng, địa chỉ và tệp CA.")) from None
    if r.status_code in (404, 410, 422):
        raise InvalidInput(_("Mã đăng ký không đúng, đã dùng hoặc đã hết hạn."),
                           hint=_("Xin cán bộ tỉnh tạo mã mới trên trang của tỉnh."))
    try:
        token = r.json().get("token") if r.status_code == 201 else None
    except ValueError:
        token = None
    if not isinstance(token, str) or not token:
        raise InvalidInput(_("Máy chủ không cấp mã truy cập ({status}).", status=r.status_code))
    return token
