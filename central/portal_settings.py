"""The national portal connection's settings [M]: from the server's environment (the
systemd unit's ``Environment=``/``EnvironmentFile=``), never from the command line, so the
password is not in ``ps`` output or shell history.

| variable | default | meaning |
| --- | --- | --- |
| ``KIOSK_PORTAL_URL`` | empty: no push | the portal's base URL (``https://host[:port][/prefix]``) |
| ``KIOSK_PORTAL_PUSH`` | ``on`` | ``off`` pauses the pusher (items keep queueing) |
| ``KIOSK_PORTAL_UNIT`` | empty | ``madonvi``, the province's code at the portal |
| ``KIOSK_PORTAL_DSTCODE`` | empty | the ``dstcode`` header the portal's gateway routes on |
| ``KIOSK_PORTAL_USER`` | empty | the account the token is asked for |
| ``KIOSK_PORTAL_PASSWORD`` | empty | its password (or ``KIOSK_PORTAL_PASSWORD_FILE``) |
| ``KIOSK_PORTAL_TOKEN_PATH`` | ``/token`` | the token endpoint, under the base URL |
| ``KIOSK_PORTAL_SYNC_PATH`` | ``/syncData`` | the sync endpoint, under the base URL |
| ``KIOSK_PORTAL_TIMEOUT`` | 30 | seconds one request may take |
| ``KIOSK_PORTAL_MAX_ATTEMPTS`` | 12 | tries before an item is listed as failed |
| ``KIOSK_PORTAL_BASE_DELAY`` / ``_MAX_DELAY`` | 10 / 3600 | the first wait, the longest |
| ``KIOSK_PORTAL_INTERVAL`` | 5 | seconds between passes when nothing is due |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.errors import InvalidInput
from kiosk.i18n import _


@dataclass(frozen=True)
class PortalSettings:
    url: str = ""
    enabled: bool = True
    unit: str = ""
    dstcode: str = ""
    user: str = ""
    password: str = ""
    token_path: str = "/token"
    sync_path: str = "/syncData"
    timeout: float = 30.0
    max_attempts: int = 12
    base_delay: float = 10.0
    max_delay: float = 3600.0
    interval: float = 5.0

    @property
    def configured(self) -> bool:
        return bool(self.url)

    @property
    def lease(self) -> float:
        """How long a claimed item is left alone: past one request, token included."""
        return 2 * self.timeout + 5

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PortalSettings:
        env = os.environ if env is None else env
        url = env.get("KIOSK_PORTAL_URL", "").strip().rstrip("/")
        if url:
            parts = urlsplit(url)
            if parts.scheme not in {"http", "https"} or not parts.hostname \
                    or parts.username or parts.password or parts.query or parts.fragment:
                raise InvalidInput(
                    _("Địa chỉ cổng dịch vụ công «{url}» không hợp lệ.", url=url[:200]),
                    hint=_("Dùng https://máy-chủ[:cổng][/đường-dẫn], không kèm tài khoản; "
                           "mật khẩu đặt trong KIOSK_PORTAL_PASSWORD."))
        password = env.get("KIOSK_PORTAL_PASSWORD", "")
        pw_file = env.get("KIOSK_PORTAL_PASSWORD_FILE", "")
        if pw_file and not password:
            try:
                password = Path(pw_file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise InvalidInput(_("Không đọc được tệp mật khẩu cổng dịch vụ công {path}: "
                                     "{error}", path=pw_file, error=exc.strerror or str(exc))
                                   ) from None
        return cls(
            url=url,
            enabled=env.get("KIOSK_PORTAL_PUSH", "on").strip().lower() not in {"off", "0", "no"},
            unit=env.get("KIOSK_PORTAL_UNIT", "").strip(),
            dstcode=env.get("KIOSK_PORTAL_DSTCODE", "").strip(),
            user=env.get("KIOSK_PORTAL_USER", "").strip(),
            password=password,
            token_path=_path(env, "KIOSK_PORTAL_TOKEN_PATH", "/token"),
            sync_path=_path(env, "KIOSK_PORTAL_SYNC_PATH", "/syncData"),
            timeout=_number(env, "KIOSK_PORTAL_TIMEOUT", 30.0, 0.1, 600),
            max_attempts=int(_number(env, "KIOSK_PORTAL_MAX_ATTEMPTS", 12, 1, 1000)),
            base_delay=_number(env, "KIOSK_PORTAL_BASE_DELAY", 10.0, 0.01, 86400),
            max_delay=_number(env, "KIOSK_PORTAL_MAX_DELAY", 3600.0, 0.01, 7 * 86400),
            interval=_number(env, "KIOSK_PORTAL_INTERVAL", 5.0, 0.01, 3600),
        )


def _path(env: Mapping[str, str], key: str, default: str) -> str:
    """A path under the base URL: never a URL of its own, so nothing is sent elsewhere."""
    value = env.get(key, "").strip() or default
    if not value.startswith("/") or value.startswith("//") or "://" in value \
            or any(c in value for c in "?#@\\"):
        raise InvalidInput(_("{key} phải là một đường dẫn bắt đầu bằng «/» (ví dụ {example}).",
                             key=key, example=default))
    return value


def _number(env: Mapping[str, str], key: str, default: float, low: float, high: float) -> float:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise InvalidInput(_("{key} phải là một số từ {low} đến {high}.", key=key, low=low,
                             high=high))
    return value
