"""A dossier in the national portal's field names (DVCQG ``DongBoHoSoMC``, DOMAIN.md §6),
so the central server can forward what it receives."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kiosk import clock


def portal_time(value: str | None) -> str:
    """DVCQG dates are ``yyyyMMddHHmmss`` in +07."""
    if not value:
        return ""
    return clock.to_local(datetime.fromisoformat(value)).strftime("%Y%m%d%H%M%S")


def export_dossier(state: dict[str, Any], unit_name: str = "",
                   blob_url: str = "/v1/blobs/{sha256}",
                   fees: list[dict[str, Any]] | None = None,
                   results: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """``state`` is :func:`central.service.dossier_state`'s output; ``fees`` the amounts
    actually collected (:func:`central.money.portal_fees`), in ``DanhSachLePhi``;
    ``results`` the dossier's result documents (:func:`central.results.portal_results`), in
    ``DanhSachGiayToKetQua``."""
    d = state["dossier"]
    applicant = d.get("applicant", {})
    files = []
    for comp in d.get("components", []):
        for number, page in enumerate(comp.get("pages", []), start=1):
            files.append({
                "MaThanhPhanHoSo": comp["code"],
                "TenThanhPhanHoSo": comp.get("name", ""),
                "TenTepDinhKem": f"{comp['code']}-{number}.pdf",
                "DuongDanTaiTepTin": blob_url.format(sha256=page["sha256"]),
                "MaHash": page["sha256"],
                "KichThuoc": page["size"],
                "DuocSoHoa": 1 if comp.get("digitised", True) or comp.get("reused") else 0,
                # 1: taken from an earlier digitised copy or a national database instead
                # of a new scan (issue 24, issue 25).
                "DuocTaiSuDung": 1 if comp.get("reused") else 0,
            })
    notes = state.get("notes", [])
    return {
        "MaHoSo": d["code"],
        "MaTTHC": d["procedure_code"],
        "TenTTHC": d.get("procedure_name", ""),
        "MaLinhVuc": d.get("field_code", ""),
        "KenhThucHien": d.get("channel", 1),
        "ChuHoSo": applicant.get("name", ""),
        "SoGiayToChuHoSo": applicant.get("id_number", ""),
        "LoaiDoiTuong": applicant.get("kind", 1),
        "SoDienThoai": applicant.get("phone", ""),
        "Email": applicant.get("email", ""),
        "DiaChiThuongTru": applicant.get("address", ""),
        "TrichYeuHoSo": d.get("summary", ""),
        "NgayNopHoSo": portal_time(d.get("received_at")),
        "NgayTiepNhan": portal_time(d.get("received_at")),
        "NgayHenTra": portal_time(d.get("due_at")),
        "TrangThaiHoSo": state["status"],
        "NgayKetThucXuLy": portal_time(state.get("finished_at")),
        "NgayTra": portal_time(state.get("returned_at")),
        "NgayTuChoi": portal_time(state.get("refused_at")),
        # How the result goes back: 0 at the counter, 1 by post.
        "HinhThuc": 1 if d.get("return_method") == "post" else 0,
        "DonViXuLy": unit_name or state["unit_code"],
        "MaDonVi": state["unit_code"],
        "HoSoCoThanhPhanSoHoa": 1 if files else 0,
        "TaiLieuNop": files,
        "DanhSachLePhi": fees if fees is not None else [],
        "DanhSachHoSoBoSung": [supplement_item(d["code"], sup)
                               for sup in d.get("supplements") or []],
        "DanhSachGiayToKetQua": results if results is not None else [],
        "QuaTrinhXuLy": [
            {"NguoiXuLy": n.get("by", ""), "ThoiDiemXuLy": portal_time(n.get("at")),
             "NoiDungXuLy": n.get("note", ""), "TrangThai": n.get("status")}
            for n in notes
        ],
    }


def supplement_item(code: str, sup: dict[str, Any]) -> dict[str, Any]:
    """One supplement round in the portal's ``DanhSachHoSoBoSung`` fields."""
    return {
        "HoSoBoSungId": f"{code}-BS{sup.get('round', 1)}",
        "NguoiYeuCauBoSung": sup.get("asked_by", ""),
        "NoiDungBoSung": "; ".join(sup.get("items") or []),
        "NgayBoSung": portal_time(sup.get("asked_at")),
        "NguoiTiepNhanBoSung": sup.get("received_by", ""),
        "ThongTinTiepNhan": sup.get("contact", ""),
        "NgayTiepNhanBoSung": portal_time(sup.get("received_at")),
        "TrangThaiBoSung": bool(sup.get("received_at")),
        "DanhSachGiayToBoSung": [
            {"MaThanhPhanHoSo": c.get("code", ""), "TenGiayTo": c.get("name", "")}
            for c in sup.get("components") or []],
        "DanhSachLePhiBoSung": [],
        "NgayHenTraTruoc": portal_time(sup.get("previous_due_at")),
        "NgayHenTraMoi": portal_time(sup.get("new_due_at")),
    }
