"""Signing printed forms written to files: the receipt (Mẫu 01) and the letter (Mẫu 04).

With ``forms.sign`` on, ``kiosk form CODE --form 01|04 --out FILE`` signs the PDF with the
clerk's token (the forms are PDF/A-2b already; the signature is an incremental update).
Signing that cannot happen leaves the unsigned form written and says why — the citizen
still needs the paper — unless ``signing.required``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from kiosk.i18n import _
from kiosk.signing import SigningError
from kiosk.signing.settings import SigningSettings

#: The receipt and the apology/extension letter (the same numbers in both template sets).
SIGNED_FORMS = ("01", "04")
FORM_REASONS = {"01": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
                "04": "Văn bản xin lỗi và hẹn lại ngày trả kết quả"}


def sign_form(pdf: bytes, form: str, settings: SigningSettings,
              read_pin: Callable[[], str]) -> tuple[bytes, dict[str, Any] | None]:
    """``(bytes to write, signing info or None when the form is not one to sign)``."""
    number = form.zfill(2)
    if not (settings.sign_forms and number in SIGNED_FORMS):
        return pdf, None
    from kiosk.signing.dossier import sign_bytes

    try:
        signed = sign_bytes(pdf, settings, read_pin(), reason=FORM_REASONS[number])
    except SigningError as exc:
        if settings.required:
            raise
        print(_("Chưa ký số: {error}", error=exc.message), file=sys.stderr)
        return pdf, {"signed": False, "reason": exc.reason, "error": exc.message}
    return signed["data"], {"signed": True, "signer": signed["signer"],
                            "signed_at": signed["signed_at"]}
