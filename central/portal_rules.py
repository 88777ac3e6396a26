"""What the national portal's sync API requires of an item (DOMAIN.md §6, DOMAIN-2.md §5), as
the emulator (:mod:`central.portal_emulator`) checks it: a refusal names the field and says
why, in the portal's words. Also :func:`wire`, the item as it goes on the wire (the portal's
fields are strings)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

MATTHC = re.compile(r"^\d\.\d{6}$")
ID_NUMBER = re.compile(r"^(\d{9}|\d{12})$")
LISTS = ("TaiLieuNop", "DanhSachLePhi", "DanhSachHoSoBoSung", "DanhSachGiayToKetQua")
DOSSIER_DATES = ("NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayTra", "NgayKetThucXuLy",
                 "NgayTuChoi")
SUPPLEMENT_DATES = ("NgayBoSung", "NgayTiepNhanBoSung", "NgayHenTraTruoc", "NgayHenTraMoi")


def wire(item: Any) -> Any:
    """Numbers become strings, as the portal's fields are (booleans and lists stay)."""
    if isinstance(item, dict):
        return {k: wire(v) for k, v in item.items()}
    if isinstance(item, list):
        return [wire(v) for v in item]
    if isinstance(item, int | float) and not isinstance(item, bool):
        return str(item)
    return item


def _date_ok(value: Any) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{14}", value):
        return False
    try:
        datetime.strptime(value, "%Y%m%d%H%M%S")
    except ValueError:
        return False
    return True


def _code(item: dict[str, Any], field: str, allowed: set[str]) -> str | None:
    value = item.get(field)
    if not isinstance(value, str) or value not in allowed:
        return f"Trường {field} không hợp lệ: {value!r} (giá trị cho phép: " \
               f"{', '.join(sorted(allowed, key=int))})"
    return None


def _required(item: dict[str, Any], field: str) -> str | None:
    value = item.get(field)
    if not isinstance(value, str) or not value.strip():
        return f"Thiếu trường bắt buộc {field}"
    return None


def _dates(item: dict[str, Any], fields: tuple[str, ...], where: str = "") -> str | None:
    for field in fields:
        value = item.get(field, "")
        if value not in ("", None) and not _date_ok(value):
            return f"Trường {where}{field} không đúng định dạng yyyyMMddHHmmss: {value!r}"
    return None


def check_dossier(item: Any) -> str | None:
    """The first problem of a ``DongBoHoSoMC`` item, or None."""
    if not isinstance(item, dict):
        return "Mỗi phần tử của data phải là một đối tượng"
    for field in ("MaHoSo", "MaTTHC", "ChuHoSo", "NgayTiepNhan", "DonViXuLy"):
        if (problem := _required(item, field)) is not None:
            return problem
    if len(item["MaHoSo"]) > 50:
        return "Trường MaHoSo dài quá 50 ký tự"
    if not MATTHC.match(item["MaTTHC"]):
        return f"Mã thủ tục {item['MaTTHC']!r} không có trong danh mục TTHC quốc gia"
    for field, allowed in (("KenhThucHien", {"1", "2", "3"}),
                           ("TrangThaiHoSo", {str(n) for n in range(1, 11)}),
                           ("LoaiDoiTuong", {"1", "2", "3", "4"}),
                           ("HinhThuc", {"0", "1"})):
        if (problem := _code(item, field, allowed)) is not None:
            return problem
    if (problem := _dates(item, DOSSIER_DATES)) is not None:
        return problem
    if not _date_ok(item["NgayTiepNhan"]):
        return "Trường NgayTiepNhan không đúng định dạng yyyyMMddHHmmss"
    if item["TrangThaiHoSo"] not in {"1", "3"} and not item.get("NgayHenTra"):
        return "Thiếu trường bắt buộc NgayHenTra với hồ sơ đã tiếp nhận"
    number = item.get("SoGiayToChuHoSo") or ""
    if item["LoaiDoiTuong"] == "1" and number and not ID_NUMBER.match(number):
        return f"Trường SoGiayToChuHoSo không phải số CCCD/CMND: {number!r}"
    for name in LISTS:
        if not isinstance(item.get(name, []), list):
            return f"Trường {name} phải là một danh sách"
    for doc in item.get("TaiLieuNop", []):
        if not isinstance(doc, dict) or not doc.get("MaThanhPhanHoSo"):
            return "Mỗi tài liệu nộp (TaiLieuNop) phải có MaThanhPhanHoSo"
        if str(doc.get("DuocTaiSuDung", "0")) not in {"0", "1", "2"}:
            return "Trường TaiLieuNop.DuocTaiSuDung phải là 0, 1 hoặc 2"
    for sup in item.get("DanhSachHoSoBoSung", []):
        if not isinstance(sup, dict) or not sup.get("HoSoBoSungId"):
            return "Mỗi lần bổ sung (DanhSachHoSoBoSung) phải có HoSoBoSungId"
        if (problem := _dates(sup, SUPPLEMENT_DATES, "DanhSachHoSoBoSung.")) is not None:
            return problem
    for fee in item.get("DanhSachLePhi", []):
        if not isinstance(fee, dict) or not re.fullmatch(r"\d+", str(fee.get("Gia", ""))):
            return "Trường DanhSachLePhi.Gia phải là số tiền (đồng)"
    return None


def check_progress(item: Any) -> str | None:
    """The first problem of a ``CapNhatTienDoHoSoMC`` item, or None."""
    if not isinstance(item, dict):
        return "Mỗi phần tử của data phải là một đối tượng"
    for field in ("MaHoSo", "ThoiDiemXuLy"):
        if (problem := _required(item, field)) is not None:
            return problem
    if (problem := _code(item, "TrangThai", {str(n) for n in range(1, 11)})) is not None:
        return problem
    return _dates(item, ("ThoiDiemXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh"))
