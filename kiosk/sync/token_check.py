"""Check a device token with the server before it goes into the keyring.

A token typed or pasted wrong would otherwise be saved, and the counter would then fail
every sync pass with 401 until someone noticed. The clerk-facing messages carry no network
error text; that goes into ``details`` for the log and the admin.
"""

from __future__ import annotations

from typing import Any

from kiosk.errors import ConfigError, InvalidInput, KioskError
from kiosk.i18n import _


def check_token(server_url: str, token: str, ca_file: str = "") -> str:
    """The server URL when the server accepts ``token`` for this device; else a KioskError."""
    from kiosk.sync.transport import check_server_url, make_client

    token = token.strip()
    if not token:
        raise InvalidInput(_("Chưa nhập mã thiết bị."),
                           hint=_("Dán mã do máy chủ cấp vào ô rồi bấm Lưu."))
    if not server_url.strip():
        raise ConfigError(_("Chưa có địa chỉ máy chủ."),
                          hint=_("Nhập địa chỉ máy chủ ở mục Máy chủ trước, rồi lưu mã."))
    url = check_server_url(server_url)
    try:
        with make_client(url, ca_file) as http:
            r = http.get("/v1/changes", params={"limit": 1},
                         headers={"Authorization": f"Bearer {token}"})
    except KioskError:
        raise  # a bad sync.ca_file says so itself
    except Exception as exc:
        raise ConfigError(_("Không kết nối được máy chủ để kiểm tra mã."),
                          hint=_("Kiểm tra mạng và địa chỉ máy chủ, rồi lưu lại."),
                          server=url, error=f"{type(exc).__name__}: {exc}") from exc
    if r.status_code in (401, 403):
        from kiosk.sync.errors import refused_token

        code = error_code(r)
        message = refused_token(r) if code in REFUSAL_CODES else _(
            "Máy chủ không nhận mã thiết bị này.")
        raise InvalidInput(message, hint=_("Kiểm tra lại mã, hoặc xin máy chủ cấp mã mới."),
                           status=r.status_code)
    if r.status_code >= 400:
        raise ConfigError(_("Máy chủ chưa kiểm tra được mã (lỗi {status}).",
                            status=r.status_code),
                          hint=_("Thử lại sau ít phút."), status=r.status_code)
    return url


#: The server's reasons for refusing a token that deserve their own message.
REFUSAL_CODES = ("token_revoked", "token_expired", "machine_mismatch")


def error_code(r: Any) -> object:
    try:
        body = r.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None
