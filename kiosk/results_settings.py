"""The settings of results and their digitisation (issue 24).

Registered by ``kiosk.config`` with every other setting; kept here because ``kiosk/config.py``
is at its size limit. What the rules leave to the province ([M] in the issue) is here: the
pattern of the digitisation code, the result kinds and their names, the largest result file.

This module imports nothing heavy: ``kiosk.config`` loads it on every command.
"""

from __future__ import annotations

import string
from typing import Any

from kiosk.i18n import N_

#: Fields a digitisation-code pattern may use.
PATTERN_FIELDS = {"id_number", "procedure", "kind", "seq", "unit", "counter"}
DEFAULT_PATTERN = "{id_number}.{procedure}.{kind}.{seq:02d}"
#: Fields of ``results.qr_content`` (kiosk.result_print) and the corners the QR may take.
QR_FIELDS = {"code", "dossier", "kind", "number", "issued", "sha256", "unit"}
QR_POSITIONS = ("bottom-right", "bottom-left", "top-right", "top-left")


def check_pattern(value: str) -> str | None:
    """None when ``value`` is a usable pattern, else what is wrong."""
    try:
        names = {f for _l, f, _s, _c in string.Formatter().parse(value) if f is not None}
        value.format(id_number="001158024485", procedure="1.001193", kind="KQ", seq=1,
                     unit="X", counter=1)
    except (ValueError, KeyError, IndexError):
        return N_("mẫu mã kết quả số hoá không đọc được")
    if not names <= PATTERN_FIELDS or "seq" not in names:
        return N_("mẫu mã kết quả số hoá chỉ dùng {id_number}, {procedure}, {kind}, {unit}, "
                  "{counter} và phải có {seq}")
    return None


def _kinds(value: list[str]) -> str | None:
    for item in value:
        code, sep, name = item.partition("=")
        if not sep or not code.strip() or not name.strip():
            return N_("mỗi loại kết quả có dạng MÃ=Tên giấy tờ, ví dụ KQ.KS=Giấy khai sinh")
    return None


def _pairs(value: list[str]) -> str | None:
    for item in value:
        kind, sep, comp = item.partition("=")
        if not sep or not kind.strip() or not comp.strip():
            return N_("mỗi dòng có dạng MÃ_KẾT_QUẢ=MÃ_THÀNH_PHẦN, ví dụ KQ.XNTTHN=XNHN")
    return None


def _dpi(value: int) -> str | None:
    return None if 100 <= value <= 600 else N_("độ phân giải từ 100 đến 600 dpi")


def _positive(value: int) -> str | None:
    return None if 1 <= value <= 1024 else N_("giới hạn từ 1 đến 1024 MiB")


def _qr_pattern(value: str) -> str | None:
    try:
        names = {f for _l, f, _s, _c in string.Formatter().parse(value) if f is not None}
        value.format(**{f: "x" for f in QR_FIELDS})
    except (ValueError, KeyError, IndexError):
        return N_("mẫu nội dung mã QR không đọc được")
    if not names or not names <= QR_FIELDS:
        return N_("mẫu nội dung mã QR chỉ dùng {code}, {dossier}, {kind}, {number}, {issued}, "
                  "{sha256}, {unit} và có ít nhất một")
    return None


def _position(value: str) -> str | None:
    return None if value in QR_POSITIONS else N_(
        "vị trí là bottom-right, bottom-left, top-right hoặc top-left")


def _qr_size(value: int) -> str | None:
    return None if 12 <= value <= 60 else N_("cạnh mã QR từ 12 đến 60 mm")


DECLARATIONS: list[tuple[str, Any, str, dict[str, Any]]] = [
    ("results.code_pattern", DEFAULT_PATTERN,
     N_("Mẫu mã kết quả số hoá: {id_number} số giấy tờ chủ hồ sơ, {procedure} mã thủ tục, "
        "{kind} mã loại kết quả, {seq} số thứ tự, {unit} mã đơn vị, {counter} số quầy"),
     {"validate": check_pattern}),
    ("results.kinds",
     ["KQ=Kết quả giải quyết", "KQ.KS=Giấy khai sinh", "KQ.KT=Trích lục khai tử",
      "KQ.KH=Giấy chứng nhận kết hôn", "KQ.XNTTHN=Giấy xác nhận tình trạng hôn nhân",
      "KQ.CT=Bản sao chứng thực"],
     N_("Loại giấy tờ kết quả, dạng MÃ=Tên giấy tờ (loại đầu tiên được chọn sẵn khi quét "
        "kết quả giấy)"),
     {"item_kind": str, "validate": _kinds}),
    ("results.unscanned_reasons",
     ["Máy quét hỏng", "Công dân không chờ quét", "Không quét được"],
     N_("Lý do trả kết quả giấy mà không quét (chọn một khi không có kết quả số hoá)"),
     {"item_kind": str}),
    ("results.reuse_for", ["KQ.XNTTHN=XNHN", "KQ.KS=BS"],
     N_("Kết quả được dùng lại thay thành phần hồ sơ nào, dạng MÃ_KẾT_QUẢ=MÃ_THÀNH_PHẦN"),
     {"item_kind": str, "validate": _pairs}),
    ("results.not_reusable", ["TK", "CT01", "UQ", "GTTT"],
     N_("Mã thành phần không bao giờ dùng lại (tờ khai, văn bản ủy quyền làm cho từng yêu "
        "cầu; giấy tờ chỉ xuất trình)"),
     {"item_kind": str}),
    ("ocr.dpi", 300,
     N_("Độ phân giải dựng trang PDF để nhận dạng chữ (dpi)"),
     {"validate": _dpi}),
    ("results.qr_content", "{code}",
     N_("Nội dung mã QR in trên kết quả: mẫu dùng {code} mã kết quả số hoá, {dossier} mã hồ "
        "sơ, {kind}, {number}, {issued}, {sha256}, {unit}; ví dụ một địa chỉ tra cứu "
        "https://…/tra-cuu?ma={code}"),
     {"validate": _qr_pattern}),
    ("results.qr_position", "bottom-right",
     N_("Vị trí mã QR trên trang đầu của kết quả in: bottom-right, bottom-left, top-right, "
        "top-left"),
     {"validate": _position}),
    ("results.qr_size_mm", 22,
     N_("Cạnh của mã QR in trên kết quả (mm)"),
     {"validate": _qr_size}),
    ("results.max_mib", 64,
     N_("Dung lượng lớn nhất của một tệp kết quả nhận từ máy chủ (MiB)"),
     {"validate": _positive}),
]


def kind_names(value: list[str]) -> dict[str, str]:
    """``results.kinds`` as code → name."""
    out: dict[str, str] = {}
    for item in value:
        code, _sep, name = item.partition("=")
        out[code.strip()] = name.strip()
    return out
