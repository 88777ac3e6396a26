"""Log in to the clerk's PKCS#11 token and sign PDFs with it (pyHanko + python-pkcs11).

One :class:`TokenSession` is one login: open it with the PIN, sign a batch, close it. Every
failure a clerk can meet — no module, no token, wrong PIN, locked token, missing key, a
certificate out of its validity period, the token pulled out mid-batch, the timestamp server
unreachable — becomes a :class:`SigningError` whose message says what happened and what to
do. The PIN is passed to ``C_Login`` and dropped; it is in no message or log line.
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk import clock
from kiosk.i18n import _
from kiosk.signing import SigningError
from kiosk.signing.settings import SigningSettings

log = logging.getLogger(__name__)

#: PKCS#11 login state belongs to the process, not the session: a second C_Login fails
#: (CKR_USER_ALREADY_LOGGED_IN) and the first session's logout ends the other's. So one
#: TokenSession at a time per process (an intake save and a "sign later" then queue).
_TOKEN_LOCK = threading.Lock()

#: Token flags (PKCS#11 CK_TOKEN_INFO.flags) about the user PIN's retry counter.
CKF_USER_PIN_COUNT_LOW = 0x00010000
CKF_USER_PIN_FINAL_TRY = 0x00020000
CKF_USER_PIN_LOCKED = 0x00040000

#: What a token reports when it went away under an open session.
_GONE = ("ObjectHandleInvalid", "TokenNotPresent", "DeviceRemoved", "SessionHandleInvalid",
         "SessionClosed", "DeviceError", "KeyHandleInvalid", "TokenNotRecognised",
         "CryptokiNotInitialized")


@dataclass(frozen=True)
class SignedPdf:
    data: bytes
    signer: str
    signed_at: str
    timestamped: bool


def hint_later() -> str:
    return _("Hồ sơ vẫn được lưu và đánh dấu «chưa ký số»; có thể ký lại ở màn hình hồ sơ "
             "hoặc bằng lệnh: kiosk sign MÃ_HỒ_SƠ")


def pin_tries_text(flags: int) -> str:
    """What the token says about the PIN tries left — only what it actually reports."""
    if flags & CKF_USER_PIN_LOCKED:
        return _("Thẻ đã bị khoá.")
    if flags & CKF_USER_PIN_FINAL_TRY:
        return _("Chỉ còn 1 lần thử: nhập sai lần nữa thẻ sẽ bị khoá.")
    if flags & CKF_USER_PIN_COUNT_LOW:
        return _("Thẻ báo số lần thử còn lại đã thấp (thẻ không cho biết chính xác còn mấy "
                 "lần); hãy kiểm tra kỹ mã PIN trước khi thử lại.")
    return _("Thẻ không cho biết số lần thử còn lại; thẻ thường bị khoá sau 3–10 lần nhập sai "
             "liên tiếp.")


def _load_lib(module: str) -> Any:
    import pkcs11

    try:
        return pkcs11.lib(module)
    except (OSError, RuntimeError) as exc:
        raise SigningError(
            _("Không nạp được thư viện thẻ ký số {path}.", path=module), reason="no_module",
            hint=_("Kiểm tra thiết lập signing.pkcs11_module (tệp .so do nhà cung cấp chứng thư "
                   "số cài đặt) và cài lại phần mềm của thẻ.") + " " + hint_later(),
        ) from exc


def _find_token(lib: Any, label: str) -> Any:
    import pkcs11

    try:
        tokens = list(lib.get_tokens(token_label=label or None))
    except pkcs11.exceptions.PKCS11Error as exc:
        raise SigningError(_("Không đọc được danh sách thẻ ký số ({error}).",
                             error=type(exc).__name__), reason="no_token",
                           hint=hint_later()) from exc
    if not tokens:
        what = _("thẻ «{label}»", label=label) if label else _("thẻ nào")
        raise SigningError(_("Chưa cắm thẻ ký số (không thấy {what}).", what=what),
                           reason="no_token",
                           hint=_("Cắm thẻ USB ký số vào máy rồi thử lại.") + " " +
                           hint_later())
    return tokens[0]


def _flags(lib: Any, label: str) -> int:
    try:
        return int(_find_token(lib, label).flags)
    except SigningError:
        return 0


def _as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def check_validity(cert: Any, at: datetime | None = None) -> None:
    """Refuse a certificate (asn1crypto) outside its validity period at ``at``."""
    at = at or clock.now()
    validity = cert["tbs_certificate"]["validity"]
    start = _as_datetime(validity["not_before"].native)
    end = _as_datetime(validity["not_after"].native)
    who = subject_name(cert)
    if at < start:
        raise SigningError(
            _("Chứng thư số của {name} chưa có hiệu lực (có hiệu lực từ {date}).", name=who,
              date=clock.to_local(start).strftime("%d/%m/%Y %H:%M")),
            reason="cert_not_yet_valid",
            hint=_("Kiểm tra ngày giờ của máy; nếu đúng, chờ đến ngày chứng thư có hiệu lực.")
            + " " + hint_later())
    if at > end:
        raise SigningError(
            _("Chứng thư số của {name} đã hết hạn ngày {date}.", name=who,
              date=clock.to_local(end).strftime("%d/%m/%Y")),
            reason="cert_expired",
            hint=_("Gia hạn chứng thư số với tổ chức cung cấp dịch vụ chứng thực.") + " " +
            hint_later())


def subject_name(cert: Any) -> str:
    subject = cert.subject.native
    return str(subject.get("common_name") or cert.subject.human_friendly)


class TokenSession:
    """One login to the token; :meth:`sign` may be called for each file of a batch."""

    def __init__(self, settings: SigningSettings, pin: str) -> None:
        if not settings.configured:
            raise SigningError(_("Chưa cấu hình ký số trên máy này."), reason="not_configured",
                               hint=_("Quản trị viên đặt signing.pkcs11_module, "
                                      "signing.token_label và signing.key_label (xem README)."))
        if not pin:
            raise SigningError(_("Chưa nhập mã PIN của thẻ ký số."), reason="no_pin",
                               hint=hint_later())
        self.settings = settings
        self._session: Any = None
        _TOKEN_LOCK.acquire()
        self._locked_token = True
        try:
            self._open(settings, pin)
        except BaseException:
            self.close()
            raise

    def _open(self, settings: SigningSettings, pin: str) -> None:
        import pkcs11
        from pyhanko.sign.pkcs11 import PKCS11Signer

        lib = _load_lib(settings.module)
        token = _find_token(lib, settings.token_label)
        if int(token.flags) & CKF_USER_PIN_LOCKED:
            raise self._locked()
        try:
            self._session = token.open(user_pin=pin)
        except pkcs11.exceptions.PinLocked:
            raise self._locked() from None
        except (pkcs11.exceptions.PinIncorrect, pkcs11.exceptions.PinLenRange,
                pkcs11.exceptions.PinInvalid):
            flags = _flags(lib, settings.token_label)
            if flags & CKF_USER_PIN_LOCKED:
                raise self._locked() from None
            raise SigningError(_("Mã PIN của thẻ ký số không đúng."), reason="wrong_pin",
                               hint=pin_tries_text(flags), pin_flags=flags) from None
        except pkcs11.exceptions.PKCS11Error as exc:
            raise SigningError(_("Không đăng nhập được vào thẻ ký số ({error}).",
                                 error=type(exc).__name__), reason="token_error",
                               hint=hint_later()) from None
        del pin
        key_label = settings.key_label or settings.cert_label or None
        cert_label = settings.cert_label or settings.key_label or None
        self._signer = PKCS11Signer(self._session, cert_label=cert_label,
                                    key_label=key_label, embed_roots=False)
        try:
            cert = self._signer.signing_cert
        except Exception as exc:  # pyHanko and python-pkcs11 both raise here
            raise SigningError(
                _("Không tìm thấy khoá ký hoặc chứng thư «{label}» trên thẻ.",
                  label=cert_label or key_label or "?"), reason="no_key",
                hint=_("Kiểm tra signing.key_label và signing.cert_label "
                       "(pkcs11-tool --list-objects cho biết nhãn trên thẻ).")) from exc
        check_validity(cert)
        self.cert = cert
        self.signer_name = subject_name(cert)
        self._timestamper: Any = None
        if settings.tsa_url:
            from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

            self._timestamper = RequestsHTTPTimeStamper(settings.tsa_url, timeout=10)

    def _locked(self) -> SigningError:
        return SigningError(
            _("Thẻ ký số đã bị khoá do nhập sai mã PIN quá số lần cho phép."),
            reason="pin_locked",
            hint=_("Liên hệ tổ chức cung cấp chứng thư số để mở khoá thẻ.") + " " +
            hint_later())

    def sign(self, data: bytes, *, reason: str | None = None) -> SignedPdf:
        """``data`` with one more PAdES signature, as an incremental update."""
        import pkcs11
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.pdf_utils.misc import PdfError
        from pyhanko.sign import fields, signers
        from pyhanko.sign.timestamps.common_utils import TimestampRequestError

        check_validity(self.cert)
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
            existing = len(list(fields.enumerate_sig_fields(writer.prev)))
        except (PdfError, ValueError, KeyError) as exc:
            raise SigningError(_("Tệp không phải PDF hợp lệ, không ký được."), reason="not_pdf",
                               hint=str(exc)[:200]) from exc
        meta = signers.PdfSignatureMetadata(
            field_name=f"KioskSignature{existing + 1}", md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason if reason is not None else (self.settings.reason or None),
            location=self.settings.location or None)
        signed_at = clock.iso(clock.now())
        try:
            out = signers.sign_pdf(writer, meta, signer=self._signer,
                                   timestamper=self._timestamper)
        except TimestampRequestError as exc:
            raise SigningError(
                _("Không lấy được dấu thời gian từ {url}.", url=self.settings.tsa_url),
                reason="tsa", hint=_("Kiểm tra mạng tới máy chủ dấu thời gian "
                                     "(signing.tsa_url).") + " " + hint_later()) from exc
        except pkcs11.exceptions.PKCS11Error as exc:
            if type(exc).__name__ in _GONE:
                raise SigningError(
                    _("Thẻ ký số bị rút ra hoặc mất kết nối trong khi ký."),
                    reason="token_removed",
                    hint=_("Cắm lại thẻ rồi ký các thành phần còn lại.") + " " +
                    hint_later()) from exc
            raise SigningError(_("Thẻ ký số từ chối ký ({error}).", error=type(exc).__name__),
                               reason="token_error", hint=hint_later()) from exc
        except Exception as exc:
            # pyHanko wraps some token errors; a gone token shows up as its cause.
            cause = exc.__cause__ or exc.__context__
            if cause is not None and type(cause).__name__ in _GONE:
                raise SigningError(
                    _("Thẻ ký số bị rút ra hoặc mất kết nối trong khi ký."),
                    reason="token_removed",
                    hint=_("Cắm lại thẻ rồi ký các thành phần còn lại.") + " " +
                    hint_later()) from exc
            raise
        return SignedPdf(out.getvalue(), self.signer_name, signed_at,
                         self._timestamper is not None)

    def close(self) -> None:
        session = getattr(self, "_session", None)
        if session is not None:
            try:
                session.close()
            except Exception:  # a pulled token cannot be logged out of: nothing to do
                log.debug("closing the token session failed", exc_info=True)
            self._session = None
        if getattr(self, "_locked_token", False):
            self._locked_token = False
            _TOKEN_LOCK.release()

    def __enter__(self) -> TokenSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_token(settings: SigningSettings, pin: str) -> TokenSession:
    return TokenSession(settings, pin)
