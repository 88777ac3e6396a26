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
_WORDS_DATE = (r"ng[àa]y\s*(?P<d>\d{1,2})\s*th[áa]ng\s*(?P<m>\d{1,2})\s*n[ăa]m\s*"
               r"(?P<y>\d{4})")
_SLASH_DATE = r"(?P<d2>\d{1,2})\s*[/.-]\s*(?P<m2>\d{1,2})\s*[/.-]\s*(?P<y2>\d{4})"
_ANY_DATE = rf"(?:{_WORDS_DATE}|(?:ng[àa]y\s*)?{_SLASH_DATE})"
_VALID = re.compile(
    r"c[óo]\s+gi[áa]\s+tr[ịi]\s+(?:s[ửu]\s+d[ụu]ng\s+)?(?:đ|d)[ếe]n\s*(?:h[ếe]t\s*)?[:]?\s*"
    + _ANY_DATE, re.IGNORECASE)
_ISSUED_LABEL = re.compile(
    r"(?:ng[àa]y\s+c[ấa]p|c[ấa]p\s+ng[àa]y)\s*[:]?\s*" + _ANY_DATE, re.IGNORECASE)
_DATE_LINE = re.compile(_WORDS_DATE, re.IGNORECASE)


def _day(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    d, m, y = ((groups.get("d"), groups.get("m"), groups.get("y")) if groups.get("d")
               else (groups.get("d2"), groups.get("m2"), groups.get("y2")))
    try:
        return date(int(y or 0), int(m or 0), int(d or 0))
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
