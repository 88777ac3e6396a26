"""The settings of fees, receipts and the certification register (issue 23).

They are registered by ``kiosk.config`` with every other setting (``kiosk config show`` lists
them in one place); they live here because ``kiosk/config.py`` is already at its size limit.
What the law leaves to the unit or the province (DOMAIN.md marks it [M]) is here, never in
code: the receipt form symbol and series, the bank account, the exemption reasons, the
register's book names, the attestation wording, the people who certify.

This module imports nothing but the i18n marker: ``kiosk.config`` loads it on every command.
"""

from __future__ import annotations

import re
import string
from typing import Any

from kiosk.i18n import N_

_SERIES_FIELDS = {"counter", "yy", "yyyy"}
_BOOK_FIELDS = {"counter", "year", "book"}
_LINE_FIELDS = {"number", "book"}


def _fields(text: str) -> set[str] | None:
    try:
        return {name for _l, name, _s, _c in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return None


def _series(value: str) -> str | None:
    names = _fields(value)
    if names is None or not names <= _SERIES_FIELDS or "counter" not in names or not (
            names & {"yy", "yyyy"}):
        return N_("mẫu ký hiệu phải có {counter} (mỗi quầy một ký hiệu) và {yy} hoặc {yyyy}, "
                  "ví dụ Q{counter}-{yy}E")
    sample = value.format(counter=9, yy="26", yyyy="2026")
    if not re.fullmatch(r"[0-9A-Z/]{1,8}(-?[0-9A-Z/]{1,8}){0,2}", sample):
        return N_("ký hiệu chỉ gồm chữ in hoa, chữ số, dấu / và dấu -, tối đa 20 ký tự")
    return None


def _book(value: str) -> str | None:
    names = _fields(value)
    if names is None or not names <= _BOOK_FIELDS or not _BOOK_FIELDS <= names:
        return N_("mẫu tên quyển sổ phải có {counter}, {year} và {book}, ví dụ "
                  "{counter:02d}/{year}-{book}")
    try:
        value.format(counter=1, year=2026, book="SCT/BS")
    except (ValueError, KeyError, IndexError):
        return N_("mẫu tên quyển sổ không hợp lệ")
    return None


def _number_line(value: str) -> str | None:
    names = _fields(value)
    if names is None or not names <= _LINE_FIELDS or "number" not in names:
        return N_("dòng số chứng thực phải có {number} (và có thể có {book})")
    return None


def _reasons(value: list[str]) -> str | None:
    for item in value:
        _text, _sep, share = item.rpartition("=")
        if _sep and not re.fullmatch(r"(100|[1-9]\d?)%?", share.strip()):
            return N_("mỗi lý do có dạng «Lý do» (miễn toàn bộ) hoặc «Lý do=50%» (giảm 50%)")
    return None


def _signers(value: list[str]) -> str | None:
    if any(not re.fullmatch(r"[^=]+=\s*\S.*", item) for item in value):
        return N_("mỗi người có dạng Chức danh=Họ và tên, ví dụ PHÓ CHỦ TỊCH=Nguyễn Văn An")
    return None


def _code(value: str) -> str | None:
    return None if re.fullmatch(r"\d\.\d{6}(\.[0-9A-Z.]+)?", value) else N_(
        "mã thủ tục có dạng 2.000815")


def _bank_bin(value: str) -> str | None:
    return None if value == "" or re.fullmatch(r"\d{6}", value) else N_(
        "phải gồm đúng 6 chữ số")


def _account(value: str) -> str | None:
    return None if value == "" or re.fullmatch(r"[0-9A-Za-z]{1,19}", value) else N_(
        "chữ số hoặc chữ, tối đa 19 ký tự")


def _amount_cap(value: int) -> str | None:
    return None if 1 <= value <= 10**12 else N_("từ 1 đến 1.000.000.000.000 đồng")


#: (key, default, description, options) — registered by kiosk.config.
DECLARATIONS: list[tuple[str, Any, str, dict[str, Any]]] = [
    ("fees.collector_tax_code", "", N_("Mã số thuế của đơn vị thu phí, lệ phí (in trên biên lai)"),
     {}),
    ("fees.receipt_form", "01BLP0-001",
     N_("Ký hiệu mẫu biên lai thu phí, lệ phí đã đăng ký với cơ quan thuế"), {}),
    ("fees.receipt_series", "Q{counter}-{yy}E",
     N_("Mẫu ký hiệu biên lai của quầy: {counter} số quầy, {yy} hai số cuối của năm; mỗi "
        "quầy một ký hiệu để số biên lai không trùng khi mất mạng"),
     {"validate": _series, "critical": True}),
    ("fees.exemption_reasons",
     ["Trẻ em dưới 6 tuổi", "Người thuộc hộ nghèo", "Người khuyết tật",
      "Người có công với cách mạng", "Đồng bào dân tộc thiểu số ở xã đặc biệt khó khăn",
      "Đăng ký hộ tịch đúng hạn (Luật Hộ tịch, Điều 11)",
      "Hợp đồng thế chấp vay vốn nông nghiệp (NĐ 55/2015)", "Người cao tuổi=50%"],
     N_("Lý do miễn, giảm phí, lệ phí: «Lý do» là miễn toàn bộ, «Lý do=50%» là giảm 50%"),
     {"item_kind": str, "validate": _reasons}),
    ("fees.bank_bin", "", N_("Mã BIN (6 số) của ngân hàng giữ tài khoản thu phí, cho mã VietQR"),
     {"validate": _bank_bin}),
    ("fees.bank_account", "", N_("Số tài khoản thu phí, lệ phí của đơn vị (cho mã VietQR)"),
     {"validate": _account}),
    ("fees.bank_account_name", "", N_("Tên tài khoản thu phí hiện cho công dân khi chuyển khoản"),
     {}),
    ("fees.receipt_lookup_url", "",
     N_("Địa chỉ tra cứu biên lai điện tử; mã QR trên biên lai là địa chỉ này kèm mã tra cứu"),
     {}),
    ("fees.receipt_paper", "a5", N_("Khổ in biên lai thu phí"), {"choices": ("a5", "thermal")}),
    ("fees.max_receipt_amount", 100_000_000,
     N_("Số tiền lớn nhất nhập tay cho một biên lai (đồng); lớn hơn là nhập nhầm"),
     {"validate": _amount_cap}),
    ("fees.words_thousand", "nghìn", N_("Đọc hàng nghìn trong số tiền bằng chữ"),
     {"choices": ("nghìn", "ngàn")}),
    ("fees.words_zero_tens", "linh", N_("Đọc số 0 ở hàng chục (một trăm linh năm / lẻ năm)"),
     {"choices": ("linh", "lẻ")}),
    ("fees.words_four", "bốn", N_("Đọc số 4 sau «mươi» (hai mươi bốn / hai mươi tư)"),
     {"choices": ("bốn", "tư")}),
    ("fees.words_end", "đồng", N_("Chữ cuối của số tiền bằng chữ"),
     {"choices": ("đồng", "đồng chẵn")}),
    ("certify.book_pattern", "{counter:02d}/{year}-{book}",
     N_("Mẫu tên quyển sổ chứng thực: {counter} số quầy (mỗi quầy một quyển), {year} năm, "
        "{book} loại sổ"), {"validate": _book, "critical": True}),
    ("certify.book_copy", "SCT/BS", N_("Ký hiệu sổ chứng thực bản sao từ bản chính"), {}),
    ("certify.book_signature", "SCT/CK,ĐC", N_("Ký hiệu sổ chứng thực chữ ký, điểm chỉ"), {}),
    ("certify.book_contract", "SCT/HĐ,GD", N_("Ký hiệu sổ chứng thực hợp đồng, giao dịch"), {}),
    ("certify.procedure_copy", "2.000815", N_("Mã thủ tục chứng thực bản sao từ bản chính"),
     {"validate": _code}),
    ("certify.procedure_signature", "2.000884", N_("Mã thủ tục chứng thực chữ ký"),
     {"validate": _code}),
    ("certify.procedure_contract", "2.001035", N_("Mã thủ tục chứng thực hợp đồng, giao dịch"),
     {"validate": _code}),
    ("certify.signers", [],
     N_("Người thực hiện chứng thực, dạng Chức danh=Họ và tên, cách nhau bởi dấu phẩy"),
     {"item_kind": str, "validate": _signers}),
    ("certify.attestation_copy", "Chứng thực bản sao đúng với bản chính.",
     N_("Lời chứng in trên bản sao được chứng thực"), {}),
    ("certify.attestation_signature",
     "Chứng thực chữ ký trên giấy tờ, văn bản này là chữ ký của người yêu cầu chứng thực.",
     N_("Lời chứng chứng thực chữ ký"), {}),
    ("certify.attestation_contract",
     "Chứng thực hợp đồng, giao dịch này được các bên giao kết tự nguyện và ký trước mặt "
     "người thực hiện chứng thực.",
     N_("Lời chứng chứng thực hợp đồng, giao dịch"), {}),
    ("certify.number_line", "Số chứng thực {number}, quyển số {book}",
     N_("Dòng số chứng thực trong lời chứng: {number} số, {book} quyển số"),
     {"validate": _number_line}),
    ("certify.stamp", "page",
     N_("Lời chứng in lên trang cuối của bản sao (page) hay trên tờ riêng (slip)"),
     {"choices": ("page", "slip")}),
]
