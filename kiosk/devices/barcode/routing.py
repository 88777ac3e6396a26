"""What a read is for: a CCCD QR fills the applicant, a dossier code of this unit opens that
dossier, anything else gets a clear message. The same code read twice within a short window
(a reader that fires twice, a camera seeing it in several frames) counts once.

:func:`classify` needs no database (``kiosk decode`` uses it); :class:`Router` adds the
dossier lookup, a callable from the storage layer (code → dossier or None), and the window.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from kiosk.cccd import CccdError, CccdRecord, looks_like_cccd, parse_cccd
from kiosk.devices.barcode.source import Read
from kiosk.dossier_code import DOSSIER_CODE_RE, DossierCodeParts, parse_dossier_code
from kiosk.errors import InvalidInput, KioskError
from kiosk.i18n import _
from kiosk.text import has_vietnamese_marks

Kind = Literal["cccd", "dossier_code", "other"]
Lookup = Callable[[str], Any | None]
_CODE_IN_TEXT = re.compile(DOSSIER_CODE_RE.pattern.strip("^$"))


@dataclass(frozen=True)
class Classified:
    kind: Kind
    #: the CccdRecord or DossierCodeParts, when the text parsed
    record: CccdRecord | DossierCodeParts | None = None
    #: why the text is not usable as-is (Vietnamese), e.g. a malformed CCCD field
    problem: KioskError | None = None
    #: a doubt the clerk must see even though the text parsed (diacritics lost)
    warning: str | None = None
    #: the text as read with its case restored, when it came in inverted
    restored: str | None = None

    @property
    def parsed(self) -> dict[str, Any] | None:
        if isinstance(self.record, CccdRecord):
            return self.record.to_json()
        if isinstance(self.record, DossierCodeParts):
            return {"code": str(self.record), "unit_code": self.record.unit_code,
                    "day": self.record.day.isoformat(), "seq": self.record.seq,
                    "counter": self.record.counter}
        return None


def dossier_code_in(text: str) -> str | None:
    """The dossier code a read carries: the whole text, or (a receipt QR holding a lookup
    URL) the last path segment or a query value of that URL."""
    stripped = text.replace("\ufeff", "").strip()
    if DOSSIER_CODE_RE.match(stripped):
        return stripped
    if DOSSIER_CODE_RE.match(stripped.upper()):
        # Unit codes are upper case by definition: a reader typing under CapsLock (or a
        # clerk typing by hand) may send "h40", which can only mean "H40".
        return stripped.upper()
    if "://" in stripped:
        parts = urlsplit(stripped)
        candidates = [unquote(p) for p in parts.path.split("/") if p]
        candidates += [v for _k, v in parse_qsl(parts.query)]
        for candidate in reversed(candidates):
            if DOSSIER_CODE_RE.match(candidate):
                return candidate
    return None


def diacritics_lost(record: CccdRecord) -> bool:
    """A CCCD whose name and address carry no Vietnamese mark at all, or carry "?" or
    U+FFFD where letters were: the reader (a keyboard wedge under a layout that cannot type
    them) dropped the diacritics. Every commune and province name has some."""
    joined = f"{record.full_name} {record.address}"
    if "?" in joined or "\ufffd" in joined:
        return True
    return not has_vietnamese_marks(joined)


def _lost_warning(name: str) -> str:
    return _(
        "Họ tên/địa chỉ đọc từ mã QR bị mất dấu tiếng Việt («{name}»). Kiểm tra lại "
        "với thẻ; nên chuyển đầu đọc sang chế độ cổng serial (COM ảo) UTF-8.",
        name=name[:60],
    )


def looks_case_inverted(text: str) -> bool:
    """Name words typed under CapsLock: «nGUYỄN tHỊ» (a lower-case initial, the rest upper).
    Vietnamese names and places are written in title case or all capitals, never so."""
    words = [w for w in re.split(r"[\s|,.]+", text) if len(w) > 1 and w.isalpha()]
    inverted = [w for w in words if w[0].islower() and w[1:].isupper()]
    return bool(words) and len(inverted) * 2 > len(words)


def classify(text: str) -> Classified:
    """What ``text`` is; a text typed with the case inverted (CapsLock on at the counter while
    a keyboard-wedge reader types) is read as the code it inverts."""
    first = _classify(text)
    if not any(ch.isalpha() for ch in text):
        return first
    inverted = first.problem is not None or (
        first.kind == "cccd" and looks_case_inverted(text))
    if inverted:
        second = _classify(text.swapcase())
        if second.problem is None and second.kind != "other":
            return replace(second, restored=text.swapcase())
    return first


def _classify(text: str) -> Classified:
    if looks_like_cccd(text):
        try:
            record = parse_cccd(text)
        except CccdError as exc:
            # "Nữ" typed by a wedge that drops diacritics arrives as "N": the parse fails
            # and the cause is the reader's mode, which the clerk must hear about.
            lost = "?" in text or "\ufffd" in text or not has_vietnamese_marks(text)
            return Classified("cccd", problem=exc, warning=_lost_warning(text) if lost else None)
        warning = _lost_warning(record.full_name) if diacritics_lost(record) else None
        return Classified("cccd", record, warning=warning)
    code = dossier_code_in(text)
    if code is not None:
        try:
            return Classified("dossier_code", parse_dossier_code(code))
        except InvalidInput as exc:
            return Classified("dossier_code", problem=exc)
    return Classified("other", problem=InvalidInput(
        _("Mã vừa quét không phải mã QR trên CCCD hay mã hồ sơ: «{text}».",
          text=text.strip()[:40]),
        hint=_("Quét mã QR ở mặt trước thẻ CCCD, hoặc mã vạch trên giấy tiếp nhận."),
    ))


@dataclass(frozen=True)
class Routed:
    read: Read
    kind: Kind
    record: CccdRecord | DossierCodeParts | None
    #: the dossier found for a dossier code of this unit (from the lookup)
    dossier: Any | None
    #: what to tell the clerk (Vietnamese); None when the read can be used as is
    message: str | None
    hint: str | None = None
    warning: str | None = None

    @property
    def ok(self) -> bool:
        return self.message is None

    def to_json(self) -> dict[str, Any]:
        parsed = Classified(self.kind, self.record).parsed
        return {**self.read.to_json(), "kind": self.kind, "parsed": parsed,
                "found": self.dossier is not None, "message": self.message,
                "hint": self.hint, "warning": self.warning}


class Router:
    """Routes reads from any source; thread-safe (sources call it from their threads).

    :param unit_code: this unit's code: a dossier code of another unit is not opened.
    :param lookup: code → dossier or None (the storage layer's); None: no lookup done.
    :param window_s: the same text again within this many seconds is merged (dropped).
    """

    def __init__(self, unit_code: str, lookup: Lookup | None = None, *, window_s: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.unit_code = unit_code
        self.lookup = lookup
        self.window_s = window_s
        self._clock = clock
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def is_duplicate(self, text: str) -> bool:
        key = text.replace("\ufeff", "").strip()
        now = self._clock()
        with self._lock:
            self._seen = {k: t for k, t in self._seen.items() if now - t < self.window_s}
            if key in self._seen:
                self._seen[key] = now  # a code held in view stays merged
                return True
            self._seen[key] = now
            return False

    def route(self, read: Read) -> Routed | None:
        """The routed read, or None when it repeats one inside the window."""
        if self.is_duplicate(read.text):
            return None
        c = classify(read.text)
        if c.restored is not None:
            read = replace(read, text=c.restored)
        if c.problem is not None:
            hint = c.problem.hint or _("Quét lại mã, hoặc gõ mã hồ sơ/số CCCD bằng tay.")
            return Routed(read, c.kind, None, None, c.problem.message, hint, c.warning)
        if isinstance(c.record, DossierCodeParts):
            return self._dossier(read, c.record)
        return Routed(read, c.kind, c.record, None, None, warning=c.warning)

    def _dossier(self, read: Read, parts: DossierCodeParts) -> Routed:
        code = str(parts)
        if parts.unit_code != self.unit_code:
            return Routed(read, "dossier_code", parts, None,
                          _("Mã hồ sơ {code} thuộc đơn vị khác ({unit}).", code=code,
                            unit=parts.unit_code),
                          _("Hồ sơ này do đơn vị {unit} tiếp nhận; hướng dẫn công dân đến đó.",
                            unit=parts.unit_code))
        if self.lookup is None:
            return Routed(read, "dossier_code", parts, None, None)
        dossier = self.lookup(code)
        if dossier is None:
            return Routed(read, "dossier_code", parts, None,
                          _("Không tìm thấy hồ sơ {code} trên máy này.", code=code),
                          _("Hồ sơ có thể được tiếp nhận ở quầy khác và chưa đồng bộ; "
                            "tìm theo tên hoặc số CCCD."))
        return Routed(read, "dossier_code", parts, dossier, None)


def store_lookup(store: Any) -> Lookup:
    """Adapt ``kiosk.storage.Store.get_dossier`` (raises NotFound) to a Lookup."""
    from kiosk.errors import NotFound

    def lookup(code: str) -> Any | None:
        try:
            return store.get_dossier(code)
        except NotFound:
            return None

    return lookup
