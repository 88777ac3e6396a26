"""The number, issue date and validity of a scanned paper, suggested from its text (issue 24).

Vietnamese administrative papers state these in a few set phrases: «Số: 123/2024/QĐ-UBND»
(or «Số 0012345», «Số hiệu: …»), the place-and-date line «…, ngày 05 tháng 3 năm 2024» or
«Ngày cấp: 05/03/2024», and a limited validity «Có giá trị đến ngày 05/03/2034» (also «có
giá trị sử dụng đến …», with the date in either form). Tesseract's text of the scan is
searched for them; what is found is only a suggestion, which a clerk confirms or corrects
(:mod:`kiosk.storage.paper_facts`). Case is ignored, and the unaccented spellings that OCR
sometimes returns («So:», «ngay … thang … nam») are accepted too.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

_NUMBER = re.compile(
    r"(?<![^\W\d_])(?:số|so)(?:\s+(?:hiệu|hieu|ký hiệu|ky hieu|(?-i:[A-ZĐ]{2,10})))?"
    r"\s*[:.]?\s*"
    r"(?P<n>[0-9][0-9A-Za-zĐđ.\-/]*[0-9A-Za-zĐđ])", re.IGNORECASE)
#: A digit as Tesseract may return it on a typed form («O5» for 05, «l» for 1).
_D = r"[0-9OoIl]"
# Key words with room for one misread letter each («tháúng», «gió trị»).
_WORDS_DATE = (rf"ng\w{{1,2}}y\s*(?P<d>{_D}{{1,2}})\s*th\w{{1,3}}ng\s*(?P<m>{_D}{{1,2}})\s*"
               rf"n\w{{1,2}}m\s*(?P<y>{_D}{{4}})")
_SLASH_DATE = (rf"(?P<d2>{_D}{{1,2}})\s*[/.-]\s*(?P<m2>{_D}{{1,2}})\s*[/.-]\s*"
               rf"(?P<y2>{_D}{{4}})")
_ANY_DATE = rf"(?:{_WORDS_DATE}|(?:ng\w{{1,2}}y\s*)?{_SLASH_DATE})"
_VALID = re.compile(
    r"c\w{1,2}\s+gi\w{1,2}\s+tr\w{1,2}\s+(?:s\w{1,2}\s+d\w{1,2}ng\s+)?[đd]\w{1,2}n\s*"
    r"(?:h\w{1,2}t\s*)?[:]?\s*" + _ANY_DATE, re.IGNORECASE)
_ISSUED_LABEL = re.compile(
    r"(?:ng\w{1,2}y\s+c\w{1,2}p|c\w{1,2}p\s+ng\w{1,2}y)\s*[:]?\s*" + _ANY_DATE,
    re.IGNORECASE)
_DATE_LINE = re.compile(_WORDS_DATE, re.IGNORECASE)
_DIGITS = str.maketrans("OoIl", "0011")


def _day(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    d, m, y = ((groups.get("d"), groups.get("m"), groups.get("y")) if groups.get("d")
               else (groups.get("d2"), groups.get("m2"), groups.get("y2")))
    try:
        return date(*(int((v or "0").translate(_DIGITS)) for v in (y, m, d)))
    except ValueError:
        return None


def suggest(text: str, today: date | None = None) -> dict[str, Any]:
    """``{"number", "issued", "valid_until", "evidence"}`` (ISO dates, None when not found);
    ``evidence`` quotes the words each value came from."""
    out: dict[str, Any] = {"number": None, "issued": None, "valid_until": None,
                           "evidence": {}}
    flat = " ".join(text.split())
    taken: list[tuple[int, int]] = []
    for match in _VALID.finditer(flat):
        day = _day(match)
        if day is not None:
            out["valid_until"] = day.isoformat()
            out["evidence"]["valid_until"] = match.group(0)
            taken.append(match.span())
            break
    issued = None
    for pattern in (_ISSUED_LABEL, _DATE_LINE):
        for match in pattern.finditer(flat):
            if any(a <= match.start() < b for a, b in taken):
                continue
            day = _day(match)
            if day is None or (today is not None and day > today):
                continue
            issued = day
            out["evidence"]["issued"] = match.group(0)
            break
        if issued is not None:
            break
    if issued is not None:
        out["issued"] = issued.isoformat()
    for match in _NUMBER.finditer(flat):
        number = match.group("n")
        if any(ch.isdigit() for ch in number):
            out["number"] = number
            out["evidence"]["number"] = match.group(0)
            break
    if out["valid_until"] and out["issued"] and out["valid_until"] < out["issued"]:
        out["valid_until"] = None  # misread: a paper is not valid until before it was issued
        out["evidence"].pop("valid_until", None)
    return out
