"""Scanner errors, typed, with plain Vietnamese messages and what to do.

python-sane raises ``_sane.error`` (or ``RuntimeError``) carrying only SANE's message string
(``sane_strstatus``), so :func:`from_sane_message` is the one place that turns those strings
into typed errors. Each error carries ``pages_scanned``: the pages read before it, which the
caller already holds (they were handed to ``on_page``) and must keep.
"""

from __future__ import annotations

from kiosk.errors import DeviceError
from kiosk.i18n import N_, _


class ScannerError(DeviceError):
    """Base of scanner errors. ``code`` is stable for the UI and logs.

    Each kind is data: its message and hint (marked for translation, translated when the
    error is made, never at import), and whether the hint reminds the clerk that the pages
    read before it are kept.
    """

    code = "scanner_error"
    # SANE's own words ("Error during device I/O") stay in the details, off the clerk's screen.
    MESSAGE = N_("Máy quét báo lỗi.")
    HINT = N_("Tắt rồi bật lại máy quét và thử lại; nếu còn lỗi, báo quản trị.")
    MENTION_KEPT = True
    #: Keep SANE's own text in the details (kinds with no better name than SANE's).
    KEEP_SANE_MESSAGE = True

    def __init__(
        self, message: str, *, hint: str | None = None, pages_scanned: int = 0, **details: object
    ) -> None:
        super().__init__(message, hint=hint, code=self.code, pages_scanned=pages_scanned,
                         **details)
        self.pages_scanned = pages_scanned

    @classmethod
    def create(cls, *, pages_scanned: int = 0, device: str = "", detail: str = "") -> ScannerError:
        """Build the error with its message in the current language."""
        hint = _(cls.HINT) + (_kept(pages_scanned) if cls.MENTION_KEPT else "")
        extra = {"sane_message": detail} if cls.KEEP_SANE_MESSAGE else {}
        return cls(_(cls.MESSAGE, detail=detail), hint=hint, pages_scanned=pages_scanned,
                   device=device, **extra)


def _kept(pages: int) -> str:
    return _(" Đã giữ {pages} trang quét trước đó.", pages=pages) if pages else ""


class NoScanner(ScannerError):
    code = "no_scanner"
    HINT = N_("Kiểm tra máy quét đã bật và cắm cáp USB, rồi bấm Tìm lại.")

    @classmethod
    def create(cls, *, pages_scanned: int = 0, device: str = "", detail: str = "") -> ScannerError:
        if device:
            msg = _("Không tìm thấy máy quét «{device}».", device=device)
        else:
            msg = _("Không tìm thấy máy quét nào.")
        return cls(msg, hint=_(cls.HINT), pages_scanned=pages_scanned, device=device)


class ScannerBusy(ScannerError):
    code = "busy"
    MESSAGE = N_("Máy quét đang bận.")
    HINT = N_("Chờ máy quét xong việc đang làm (hoặc đóng phần mềm quét khác) rồi thử lại.")
    KEEP_SANE_MESSAGE = False


class PaperJam(ScannerError):
    code = "paper_jam"
    MESSAGE = N_("Kẹt giấy trong khay nạp.")
    HINT = N_("Mở nắp khay nạp, gỡ tờ bị kẹt, đặt lại các tờ chưa quét rồi quét tiếp.")
    KEEP_SANE_MESSAGE = False


class CoverOpen(ScannerError):
    code = "cover_open"
    MESSAGE = N_("Nắp máy quét đang mở.")
    HINT = N_("Đóng nắp máy quét rồi quét tiếp.")
    KEEP_SANE_MESSAGE = False


class FeederEmpty(ScannerError):
    """The feeder was empty when the scan started (an empty feeder later is the normal end)."""

    code = "feeder_empty"
    MESSAGE = N_("Khay nạp giấy không có tờ nào.")
    HINT = N_("Đặt giấy vào khay nạp (mặt cần quét theo hướng dẫn trên máy) hoặc chọn quét "
              "mặt kính.")
    MENTION_KEPT = False
    KEEP_SANE_MESSAGE = False


class ScannerIOError(ScannerError):
    code = "io_error"
    MESSAGE = N_("Lỗi truyền dữ liệu với máy quét.")
    HINT = N_("Kiểm tra cáp USB, tắt rồi bật lại máy quét và quét lại trang đang dở.")
    KEEP_SANE_MESSAGE = False


class ScannerUnplugged(ScannerError):
    code = "unplugged"
    MESSAGE = N_("Mất kết nối với máy quét giữa chừng.")
    HINT = N_("Cắm lại cáp USB của máy quét, chờ máy sẵn sàng rồi quét tiếp.")
    KEEP_SANE_MESSAGE = False


class ScannerAccessDenied(ScannerError):
    code = "access_denied"
    MESSAGE = N_("Không có quyền dùng máy quét.")
    HINT = N_("Nhờ quản trị thêm tài khoản máy này vào nhóm «scanner» rồi đăng nhập lại.")
    MENTION_KEPT = False
    KEEP_SANE_MESSAGE = False


class ScannerUnsupported(ScannerError):
    code = "unsupported"
    MESSAGE = N_("Máy quét không hỗ trợ thiết lập đã chọn ({detail}).")
    HINT = N_("Chọn nguồn giấy, độ phân giải hoặc chế độ màu khác.")
    MENTION_KEPT = False
    KEEP_SANE_MESSAGE = False


class ScannerNotResponding(ScannerError):
    """The scanner process stopped answering (or died): it was ended and the next scan
    starts a fresh one (kiosk.devices.scanner.process_driver)."""

    code = "not_responding"
    MESSAGE = N_("Máy quét không phản hồi.")
    HINT = N_("Tắt máy quét, chờ vài giây rồi bật lại, kiểm tra cáp USB, rồi bấm Quét để "
              "quét tiếp.")
    KEEP_SANE_MESSAGE = False

    @classmethod
    def create(cls, *, pages_scanned: int = 0, device: str = "", detail: str = "") -> ScannerError:
        error = super().create(pages_scanned=pages_scanned, device=device)
        if detail:  # what the supervisor saw, for a maintainer: silence or the exit status
            error.details["reason"] = detail
        return error


class ScannerFailure(ScannerError):
    """Anything SANE reports that has no better name; keeps SANE's text for a maintainer."""

    code = "failure"


#: SANE's status strings (sane_strstatus, also what python-sane raises) → our error types.
#: ``None`` marks the feeder-empty status, whose meaning depends on how many pages came.
SANE_MESSAGES: dict[str, type[ScannerError] | None] = {
    "Document feeder out of documents": None,
    "Document feeder jammed": PaperJam,
    "Scanner cover is open": CoverOpen,
    "Error during device I/O": ScannerIOError,
    "Device busy": ScannerBusy,
    "Access to resource has been denied": ScannerAccessDenied,
    "Operation not supported": ScannerUnsupported,
    "Invalid argument": ScannerUnsupported,
    # python-sane's own RuntimeErrors
    "Scanner returned no data": ScannerIOError,
}

FEEDER_EMPTY_MESSAGE = "Document feeder out of documents"
CANCELLED_MESSAGE = "Operation was canceled"


def is_feeder_empty(message: str) -> bool:
    return message.strip() == FEEDER_EMPTY_MESSAGE


def from_sane_message(
    message: str, *, pages_scanned: int = 0, device: str = "", opening: bool = False
) -> ScannerError:
    """Map one SANE message string to a typed error.

    ``opening``: the error came from ``sane_open``; "Invalid argument" there means the device
    is not (or no longer) there, not a bad setting.
    """
    text = message.strip()
    if text == FEEDER_EMPTY_MESSAGE:
        # Only reached when no page came at all; the driver treats it as the end otherwise.
        return FeederEmpty.create(pages_scanned=pages_scanned, device=device)
    if opening and (text == "Invalid argument" or text.startswith("No such scan device")):
        return NoScanner.create(pages_scanned=pages_scanned, device=device)
    if text.startswith("No such scan device"):
        return ScannerUnplugged.create(pages_scanned=pages_scanned, device=device)
    cls = SANE_MESSAGES.get(text)
    if cls is None:
        return ScannerFailure.create(pages_scanned=pages_scanned, device=device, detail=text)
    return cls.create(pages_scanned=pages_scanned, device=device, detail=text)
