"""Enrolment by a one-time code (issue 26 §2): the province page shows the code as a QR, the
counter reads it with its barcode reader and trades it for its own device token.

A code is 128 random bits, kept as its sha256, good once and for :data:`CODE_MINUTES`. The
token it gives is an ordinary device token (bound to the first machine that uses it,
revocable with ``kiosk central device revoke`` or from the page). The QR holds
``kiosk-enrol:CODE:SERVER_URL`` so one scan tells the counter where and what.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from central import service
from central.common import ApiError
from central.db import Database
from kiosk import clock
from kiosk.i18n import _

CODE_MINUTES = 30
PREFIX = "kiosk-enrol:"
CODE_PATTERN = r"^[A-Za-z0-9_-]{20,64}$"


def _sha(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def create_code(db: Database, unit_code: str, name: str, by: str,
                minutes: int = CODE_MINUTES) -> dict[str, Any]:
    from kiosk.config_checks import UNIT_CODE_RE

    if not UNIT_CODE_RE.match(unit_code):
        raise ApiError(422, "invalid_unit",
                       _("Mã định danh đơn vị «{code}» không hợp lệ.", code=unit_code[:60]))
    code = secrets.token_urlsafe(16)
    now = clock.now()
    expires = clock.iso(now + timedelta(minutes=minutes))
    with db.transaction() as tx:
        tx.execute("INSERT INTO enrolment_codes (code_sha256, unit_code, name, created_at,"
                   " created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                   (_sha(code), unit_code, name, clock.iso(now), by, expires))
    return {"code": code, "unit_code": unit_code, "name": name, "expires_at": expires}


def payload(code: str, server_url: str) -> str:
    return f"{PREFIX}{code}:{server_url.rstrip('/')}"


def redeem(db: Database, code: str) -> dict[str, str]:
    """The device token for a valid, unused, unexpired code; the code is spent."""
    now = clock.iso(clock.now())
    with db.transaction() as tx:
        row = tx.one("SELECT unit_code, name FROM enrolment_codes WHERE code_sha256 = ?"
                     " AND used_at IS NULL AND expires_at > ?" + tx.for_update(),
                     (_sha(code), now))
        if row is None or tx.execute(
                "UPDATE enrolment_codes SET used_at = ? WHERE code_sha256 = ?"
                " AND used_at IS NULL", (now, _sha(code))) != 1:
            raise ApiError(404, "enrolment_code_invalid",
                           _("Mã đăng ký không đúng, đã dùng hoặc đã hết hạn."),
                           hint=_("Xin cán bộ tỉnh tạo mã mới trên trang của tỉnh."))
    device = service.add_device(db, row["unit_code"], row["name"])
    with db.transaction() as tx:
        tx.execute("UPDATE enrolment_codes SET device_id = ? WHERE code_sha256 = ?",
                   (device["device_id"], _sha(code)))
    return device
