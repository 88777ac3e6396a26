"""The device token lives in the OS keyring (Secret Service in production), never in
SQLite or the config file. A missing or locked keyring is an admin-visible state."""

from __future__ import annotations

from kiosk.errors import ConfigError
from kiosk.i18n import _

SERVICE = "kiosk-sync"


class CredentialsError(ConfigError):
    kind = "sync_credentials"


def _keyring_call(action: str, fn: object, *args: str) -> object:
    import keyring
    from keyring.errors import KeyringError, NoKeyringError

    try:
        return fn(*args)  # type: ignore[operator]
    except NoKeyringError as exc:
        raise CredentialsError(
            _("Máy này chưa có kho khoá (keyring) để giữ mã truy cập đồng bộ."),
            hint=_("Cài và mở khoá Secret Service (gnome-keyring) cho tài khoản quầy, "
                   "rồi chạy lại «kiosk sync enroll»."),
            action=action,
        ) from exc
    except KeyringError as exc:
        raise CredentialsError(
            _("Kho khoá (keyring) đang khoá hoặc lỗi: {error}", error=str(exc) or type(exc).__name__),
            hint=_("Mở khoá kho khoá của tài khoản quầy rồi thử lại."),
            action=action, backend=type(keyring.get_keyring()).__name__,
        ) from exc


def save_token(server_url: str, token: str) -> None:
    import keyring

    _keyring_call("save", keyring.set_password, SERVICE, server_url, token)
    if load_token(server_url) != token:
        # The null backend accepts writes and forgets them: say so instead of failing later.
        raise CredentialsError(
            _("Kho khoá (keyring) không lưu được mã truy cập."),
            hint=_("Cấu hình một kho khoá thật (Secret Service) rồi chạy lại «kiosk sync enroll»."),
        )


def load_token(server_url: str) -> str | None:
    import keyring

    value = _keyring_call("load", keyring.get_password, SERVICE, server_url)
    return value if isinstance(value, str) and value else None


def require_token(server_url: str) -> str:
    token = load_token(server_url)
    if not token:
        raise CredentialsError(
            _("Quầy chưa đăng ký với máy chủ {url}.", url=server_url),
            hint=_("Chạy «kiosk sync enroll --server URL --token MÃ» với mã do quản trị cấp."),
        )
    return token
