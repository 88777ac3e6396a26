"""How one sync step can fail, as the engine classifies it (retry, a person, a new token).

A server answer that does not fit the protocol is never acted on: it becomes
:class:`BadResponse`, a :class:`Retry` with backoff, with a message the clerk can read in
``sync status`` ("the network may be a captive portal", "the server pointed elsewhere"...).
"""

from __future__ import annotations

import httpx

from kiosk.errors import KioskError
from kiosk.i18n import _


class Unauthorized(Exception):
    """The server refused the device token (401); the message says why, for the clerk."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or refused_token_message(None))


def refused_token_message(code: object) -> str:
    """What the counter says when the server refuses its token, by the server's error code
    (the server's own text is for the admin)."""
    if code == "token_revoked":
        return _("Máy chủ đã thu hồi mã thiết bị của quầy này; hồ sơ vẫn được giữ trên máy "
                 "nhưng chưa gửi được. Hãy xin quản trị cấp mã mới rồi đăng ký lại "
                 "(kiosk sync enroll).")
    if code == "token_expired":
        return _("Mã thiết bị của quầy đã hết hạn; hồ sơ vẫn được giữ trên máy nhưng chưa gửi "
                 "được. Hãy xin quản trị cấp mã mới rồi đăng ký lại (kiosk sync enroll).")
    if code == "machine_mismatch":
        return _("Mã thiết bị này đã được đăng ký cho một máy khác; mỗi mã chỉ dùng cho một "
                 "máy. Hãy xin quản trị cấp mã riêng cho máy này.")
    return _("Máy chủ từ chối mã truy cập của quầy; cần đăng ký lại.")


def refused_token(r: httpx.Response) -> str:
    """:func:`refused_token_message` for a 401 answer."""
    try:
        body = r.json()
    except ValueError:
        body = None
    return refused_token_message(body.get("error") if isinstance(body, dict) else None)


class SyncFailed(KioskError):
    """A sync command could not finish with the server (offline, a bad answer): the CLI
    exits 3 (1 is kept for "items still waiting"); nothing local is lost."""

    kind = "sync_failed"
    exit_code = 3


class NeedsPerson(Exception):
    """The server refused the item for good (400/403/422...): a person must look at it."""


class Retry(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadResponse(Retry):
    """The answer is not what the protocol promises (HTML from a captive portal, truncated
    or mistyped JSON, a missing tus header...): nothing is marked sent on its strength."""

    def __init__(self, what: str, retry_after: float | None = None) -> None:
        super().__init__(_("Máy chủ trả lời không đúng giao thức ({what}); mạng có thể đang "
                           "chuyển tới một trang đăng nhập. Sẽ thử lại.", what=what),
                         retry_after)


class Redirected(Retry):
    """API calls never follow redirects: a 3xx means a captive portal or a wrong address."""

    def __init__(self, status: int, location: str) -> None:
        super().__init__(_("Máy chủ chuyển hướng yêu cầu ({status} tới «{location}»): mạng "
                           "có thể đang chặn (trang đăng nhập) hoặc địa chỉ máy chủ bị cấu hình "
                           "sai. Sẽ thử lại.", status=status, location=location[:200]))


class ForeignOrigin(Retry):
    """A URL from the server names another scheme, host or port than the configured one."""

    def __init__(self, url: str) -> None:
        super().__init__(_("Máy chủ chỉ tới một địa chỉ khác («{url}»); mã truy cập và tệp "
                           "quét chỉ được gửi tới máy chủ đã cấu hình. Sẽ thử lại.",
                           url=url[:200]))


class ResponseTooLarge(httpx.TransportError):
    """An answer past the size cap of its request (read as a stream, never whole)."""


class DeadlineExceeded(httpx.TimeoutException):
    """One request took longer than its overall deadline (a body dripped byte by byte...)."""


def describe(exc: BaseException) -> str:
    """A message for people for anything one step raised (stored as ``last_error``)."""
    if isinstance(exc, Retry | NeedsPerson) and str(exc):
        return str(exc)
    if isinstance(exc, ResponseTooLarge | DeadlineExceeded):
        return str(exc)
    if isinstance(exc, httpx.TimeoutException):
        return _("Máy chủ không trả lời kịp ({error}).", error=type(exc).__name__)
    if isinstance(exc, httpx.HTTPError):
        return _("Không kết nối được máy chủ: {error}", error=type(exc).__name__)
    return _("Lỗi khi đồng bộ ({kind}): {error}", kind=type(exc).__name__, error=str(exc)[:200])
