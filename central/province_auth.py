"""The province staff's accounts and sessions for the province page (issue 26).

Roles: ``province`` sees every unit and publishes; ``unit`` sees only its own unit's
counters and dossiers. Passwords are kept as scrypt hashes (a memory-hard KDF, in the
standard library); a session is a random token kept as its sha256, with its own CSRF token
that every form sends back. Repeated wrong passwords lock the account for a while, and the
lock-out answers exactly like a wrong password, so it tells nobody which names exist.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from central.db import Database, IntegrityError
from kiosk import clock
from kiosk.errors import InvalidInput
from kiosk.i18n import _

ROLES = ("province", "unit")
#: scrypt's cost: 16 MiB and about 50 ms per check on a counter-class CPU (OWASP's minimum).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 1 << 14, 8, 1
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
#: Wrong passwords in a row before the account is locked, and for how long.
MAX_FAILURES = 5
LOCK_MINUTES = 15
SESSION_HOURS = 8
USERNAME_MAX = 64


@dataclass(frozen=True)
class User:
    username: str
    role: str
    unit_code: str | None

    def sees(self, unit_code: str) -> bool:
        return self.role == "province" or unit_code == self.unit_code


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            maxmem=64 << 20, dklen=32)
    salt_text, digest_text = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt_text}${digest_text}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode()[:MAX_PASSWORD * 4], salt=base64.b64decode(salt),
                             n=int(n), r=int(r), p=int(p), maxmem=64 << 20, dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


#: Checked against when the name is unknown, so an unknown name costs the same time.
_DUMMY_HASH = hash_password(secrets.token_hex(16))


def add_user(db: Database, username: str, password: str, role: str,
             unit_code: str | None = None) -> dict[str, Any]:
    username = username.strip()
    if not username or len(username) > USERNAME_MAX or not username.isprintable() \
            or any(c.isspace() for c in username):
        raise InvalidInput(_("Tên đăng nhập «{name}» không hợp lệ.", name=username[:80]),
                           hint=_("Dùng chữ, số, dấu chấm hoặc gạch dưới, không có khoảng "
                                  "trắng, tối đa {n} ký tự.", n=USERNAME_MAX))
    if role not in ROLES:
        raise InvalidInput(_("Vai trò «{role}» không hợp lệ.", role=role[:40]),
                           hint=_("Dùng province hoặc unit."))
    if role == "unit" and not unit_code:
        raise InvalidInput(_("Tài khoản của đơn vị cần mã đơn vị (--unit)."))
    if role == "province":
        unit_code = None
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(_("Mật khẩu phải dài từ {lo} đến {hi} ký tự.", lo=MIN_PASSWORD,
                             hi=MAX_PASSWORD))
    try:
        with db.transaction() as tx:
            tx.execute("INSERT INTO province_users (username, role, unit_code, password_hash,"
                       " created_at) VALUES (?, ?, ?, ?, ?)",
                       (username, role, unit_code, hash_password(password),
                        clock.iso(clock.now())))
    except IntegrityError:
        raise InvalidInput(_("Tài khoản «{name}» đã có.", name=username)) from None
    return {"username": username, "role": role, "unit_code": unit_code}


def sign_in(db: Database, username: str, password: str) -> tuple[str, str] | None:
    """``(session token, csrf token)``, or None for a wrong name, password or a locked
    account (the caller says the same for all three)."""
    now = clock.now()
    with db.transaction(write=False) as tx:
        row = tx.one("SELECT password_hash, failed_count, locked_until FROM province_users"
                     " WHERE username = ?", (username[:USERNAME_MAX + 1],))
    good = check_password(password, row["password_hash"] if row else _DUMMY_HASH)
    if row is None:
        return None
    locked = row["locked_until"] and clock.parse_iso(row["locked_until"]) > now
    with db.transaction() as tx:
        if locked:
            return None
        if not good:
            failures = int(row["failed_count"]) + 1
            until = clock.iso(now + timedelta(minutes=LOCK_MINUTES)) \
                if failures >= MAX_FAILURES else None
            tx.execute("UPDATE province_users SET failed_count = ?, locked_until = ?"
                       " WHERE username = ?", (0 if until else failures, until, username))
            return None
        tx.execute("UPDATE province_users SET failed_count = 0, locked_until = NULL"
                   " WHERE username = ?", (username,))
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        tx.execute("DELETE FROM province_sessions WHERE expires_at < ?", (clock.iso(now),))
        tx.execute("INSERT INTO province_sessions (token_sha256, username, csrf, created_at,"
                   " expires_at) VALUES (?, ?, ?, ?, ?)",
                   (_sha(token), username, csrf, clock.iso(now),
                    clock.iso(now + timedelta(hours=SESSION_HOURS))))
    return token, csrf


def session(db: Database, token: str | None) -> tuple[User, str] | None:
    """The signed-in user and the session's CSRF token."""
    if not token:
        return None
    with db.transaction(write=False) as tx:
        row = tx.one("SELECT u.username, u.role, u.unit_code, s.csrf, s.expires_at FROM"
                     " province_sessions s JOIN province_users u ON u.username = s.username"
                     " WHERE s.token_sha256 = ?", (_sha(token),))
    if row is None or clock.parse_iso(row["expires_at"]) <= clock.now():
        return None
    return User(row["username"], row["role"], row["unit_code"]), row["csrf"]


def sign_out(db: Database, token: str) -> None:
    with db.transaction() as tx:
        tx.execute("DELETE FROM province_sessions WHERE token_sha256 = ?", (_sha(token),))


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
