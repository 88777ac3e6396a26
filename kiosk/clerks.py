"""Clerk accounts for sign-in at the counter: a name, a role and a PIN that is never stored.

PINs are hashed with PBKDF2-HMAC-SHA256 and a per-clerk salt; the file
(``<data dir>/clerks.json``) is written atomically. Repeated wrong PINs lock sign-in for a
while, so a 4–6 digit PIN cannot be guessed at the counter.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kiosk import paths
from kiosk.errors import InvalidInput, KioskError, NotFound
from kiosk.i18n import _

ROLES = ("clerk", "admin")
ITERATIONS = 200_000
MAX_FAILURES = 5
LOCKOUT_SECONDS = 60.0
_PIN_RE = re.compile(r"^\d{4,8}$")
_LOGIN_RE = re.compile(r"^[a-z0-9._-]{2,32}$")
#: The demo accounts (PIN 9999 for the admin, 1234 for the clerk; both published in the
#: README) already hashed: the first demo start spent three PBKDF2 hashes (~0.15 s) on them.
DEMO_CLERKS: dict[str, dict[str, Any]] = {
    "admin": {"full_name": "Quản trị viên", "role": "admin",
              "salt": "37c17c6e4ff4050f17503f83576eb4cd", "iterations": 200_000,
              "pin_hash": "42d7f446b02e640e06853b8fb821e644d72dc93df63db938279f0d05135c3835"},
    "canbo": {"full_name": "Nguyễn Thị Demo", "role": "clerk",
              "salt": "9c8e6500351d036979057110f3c907bf", "iterations": 200_000,
              "pin_hash": "e938f35c8bd69305e7e0948f7927acf49bdfb6afbe68722c90cfd5e58ba41b2c"},
}


class SignInLocked(KioskError):
    kind = "locked"


@dataclass(frozen=True)
class Clerk:
    login: str
    full_name: str
    role: str = "clerk"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _hash(pin: str, salt: bytes, iterations: int) -> str:
    return hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, iterations).hex()


class ClerkDirectory:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.data_dir() / "clerks.json"
        self._lock = threading.Lock()
        self._failures = 0
        self._locked_until = 0.0

    def _read(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise KioskError(
                _("Không đọc được danh sách cán bộ {path}: {error}", path=str(self.path),
                  error=str(exc)),
                hint=_("Khôi phục tệp từ bản sao lưu, hoặc tạo lại tài khoản bằng "
                       "«kiosk clerk add»."),
            ) from exc
        clerks: dict[str, dict[str, Any]] = data.get("clerks", {})
        return clerks

    def _write(self, clerks: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"version": 1, "clerks": clerks}, ensure_ascii=False, indent=1)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".clerks.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def list(self) -> list[Clerk]:
        return [Clerk(login, c["full_name"], c["role"]) for login, c in sorted(self._read().items())]

    def add(self, login: str, full_name: str, pin: str, role: str = "clerk") -> Clerk:
        """Create or replace a clerk (replacing resets the PIN)."""
        login = login.strip().lower()
        if not _LOGIN_RE.match(login):
            raise InvalidInput(_("Tên đăng nhập chỉ gồm chữ thường không dấu, số, . _ - "
                                 "(2–32 ký tự)."))
        if not full_name.strip():
            raise InvalidInput(_("Cần nhập họ tên cán bộ."))
        if not _PIN_RE.match(pin):
            raise InvalidInput(_("Mã PIN gồm 4 đến 8 chữ số."))
        if role not in ROLES:
            raise InvalidInput(_("Vai trò phải là clerk hoặc admin."))
        with self._lock:
            clerks = self._read()
            for other, data in clerks.items():
                if other != login and self._matches(data, pin):
                    # The PIN alone signs a clerk in, so two clerks cannot share one.
                    raise InvalidInput(_("Mã PIN này đã được dùng; chọn mã khác."))
            salt = secrets.token_bytes(16)
            clerks[login] = {"full_name": full_name.strip(), "role": role, "salt": salt.hex(),
                             "iterations": ITERATIONS, "pin_hash": _hash(pin, salt, ITERATIONS)}
            self._write(clerks)
        return Clerk(login, full_name.strip(), role)

    def remove(self, login: str) -> None:
        with self._lock:
            clerks = self._read()
            if clerks.pop(login, None) is None:
                raise NotFound(_("Không có cán bộ {login}.", login=login))
            self._write(clerks)

    @staticmethod
    def _matches(data: dict[str, Any], pin: str) -> bool:
        expected = data["pin_hash"]
        actual = _hash(pin, bytes.fromhex(data["salt"]), int(data["iterations"]))
        return hmac.compare_digest(expected, actual)

    def sign_in(self, pin: str) -> Clerk:
        """The clerk whose PIN this is; wrong PINs count towards a short lock-out."""
        with self._lock:
            now = time.monotonic()
            if now < self._locked_until:
                raise SignInLocked(
                    _("Nhập sai quá nhiều lần. Thử lại sau {n} giây.",
                      n=int(self._locked_until - now) + 1))
            for login, data in self._read().items():
                if self._matches(data, pin):
                    self._failures = 0
                    return Clerk(login, data["full_name"], data["role"])
            self._failures += 1
            if self._failures >= MAX_FAILURES:
                self._failures = 0
                self._locked_until = now + LOCKOUT_SECONDS
            raise InvalidInput(_("Mã PIN không đúng."), hint=_("Nhập lại mã PIN của bạn."))

    def ensure_demo(self) -> Clerk | None:
        """Create the demo clerk (PIN 1234) and admin (PIN 9999) when there is no clerk."""
        with self._lock:
            if self._read():
                return None
            self._write({login: dict(data) for login, data in DEMO_CLERKS.items()})
        return Clerk("canbo", DEMO_CLERKS["canbo"]["full_name"], "clerk")


def clerk_json(clerk: Clerk) -> dict[str, Any]:
    return asdict(clerk)
