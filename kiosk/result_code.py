"""The digitisation code of a result (mã kết quả số hoá) and the checks a result's facts pass
on both ends (the counter and the central server).

No national format for the code has been published; the one-stop systems in use build it as
``{owner ID}.{procedure}.{document kind}.{NN}``, so that is the default pattern and the
pattern is a setting (``results.code_pattern``). The code is stored and sent as an opaque
string: a code the province assigned is kept as it came.
"""

from __future__ import annotations

import re
from datetime import date

from kiosk.errors import InvalidInput
from kiosk.i18n import _
from kiosk.results_settings import DEFAULT_PATTERN, PATTERN_FIELDS

__all__ = ["CODE_RE", "DEFAULT_PATTERN", "KIND_RE", "check_dates", "check_kind", "code_prefix",
           "looks_like_pdf", "make_code", "parse_day"]

#: What a kind code may be: the portal's result-type codes look like ``KQ.G15.000031``.
KIND_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$")
CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._/-]{0,127}$")


def make_code(pattern: str, *, id_number: str, procedure: str, kind: str, seq: int,
              unit: str = "", counter: int = 0) -> str:
    return pattern.format(id_number=id_number or "0", procedure=procedure, kind=kind, seq=seq,
                          unit=unit, counter=counter)


def code_prefix(pattern: str, **fields: object) -> str:
    """The code up to where ``{seq}`` goes: codes sharing it are numbered one after another."""
    head = pattern.split("{seq", 1)[0]
    return head.format(**{k: fields.get(k, "") for k in PATTERN_FIELDS if k != "seq"})


def check_kind(kind: str) -> str:
    kind = kind.strip()
    if not KIND_RE.match(kind):
        raise InvalidInput(_("Loại kết quả «{kind}» không hợp lệ.", kind=kind[:80]),
                           hint=_("Dùng mã loại giấy tờ kết quả: chữ, chữ số, dấu . _ -, "
                                  "tối đa 64 ký tự (ví dụ KQ.G15.000031)."), field="kind")
    return kind


def check_dates(issued: date | None, valid_until: date | None) -> None:
    if issued is not None and valid_until is not None and valid_until < issued:
        raise InvalidInput(
            _("Ngày hết hiệu lực {until} trước ngày ban hành {issued}.",
              until=valid_until.isoformat(), issued=issued.isoformat()),
            hint=_("Kiểm tra lại hai ngày trên giấy tờ kết quả."), field="valid_until")


def parse_day(text: str | None, field: str) -> date | None:
    if text is None or not str(text).strip():
        return None
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise InvalidInput(_("Ngày «{value}» không hợp lệ.", value=str(text)[:40]),
                           hint=_("Dùng dạng NĂM-THÁNG-NGÀY, ví dụ 2026-12-07."),
                           field=field) from None


def looks_like_pdf(data: bytes) -> bool:
    """A PDF header, and a document with at least one page behind it: a header followed by
    anything else (a truncated upload, bytes renamed .pdf) is not a result."""
    if data[:1024].lstrip()[:5] != b"%PDF-":
        return False
    import io

    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return len(pdf.pages) > 0
    except (pikepdf.PdfError, ValueError, OSError):
        return False
