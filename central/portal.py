"""A dossier in the national portal's field names (DVCQG ``DongBoHoSoMC``, DOMAIN.md §6),
so the central server can forward what it receives."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from central.db import Tx
from kiosk import clock


def portal_time(value: str | None) -> str:
    """DVCQG dates are ``yyyyMMddHHmmss`` in +07."""
    if not value:
        return ""
    return clock.to_local(datetime.fromisoformat(value)).strftime("%Y%m%d%H%M%S")


def current_due(state: dict[str, Any]) -> str | None:
    """The due time in force: a due only ever moves later (a letter, a supplement's pause or
    restart), so the latest of the counter's and the letters' (the province's included)."""
    dues = [state["dossier"].get("due_at")]
    dues += [p.get("new_due_at") for p in state.get("postponements") or []]
    known = [(m, v) for v in dues if (m := _moment(v)) is not None]
    return max(known)[1] if known else None


def export_dossier(state: dict[str, Any], unit_name: str = "",
                   blob_url: str = "/v1/blobs/{sha256}",
                   fees: list[dict[str, Any]] | None = None,
                   results: list[dict[str, Any]] | None = None,
                   result_hashes: set[str] | None = None) -> dict[str, Any]:
    """``state`` is :func:`central.service.dossier_state`'s output; ``fees`` the amounts
    actually collected (:func:`central.money.portal_fees`), in ``DanhSachLePhi``;
    ``results`` the dossier's result documents (:func:`central.results.portal_results`), in
    ``DanhSachGiayToKetQua``; ``result_hashes`` the files the server knows as results
    (a reused paper that is one is ``DuocTaiSuDung`` 2)."""
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
                "DuocTaiSuDung": reuse_kind(comp, result_hashes or set()),
            })
    notes = state.get("notes", [])
    fees, extra_fees = split_fees(fees or [], state)
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
        "NgayHenTra": portal_time(current_due(state)),
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
        "DanhSachLePhi": fees,
        "DanhSachHoSoBoSung": [supplement_item(d["code"], sup, extra_fees)
                               for sup in d.get("supplements") or []],
        "DinhDanhCHS": identity(applicant.get("id_number", "")),
        "ThongTinKhac": linked(d.get("group")),
        "DanhSachGiayToKetQua": results if results is not None else [],
        "QuaTrinhXuLy": [
            {"NguoiXuLy": n.get("by", ""), "ThoiDiemXuLy": portal_time(n.get("at")),
             "NoiDungXuLy": n.get("note", ""), "TrangThai": n.get("status")}
            for n in notes
        ],
    }


def supplement_item(code: str, sup: dict[str, Any],
                    fees: dict[int, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
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
        "DanhSachLePhiBoSung": (fees or {}).get(int(sup.get("round", 1)), []),
        "NgayHenTraTruoc": portal_time(sup.get("previous_due_at")),
        "NgayHenTraMoi": portal_time(sup.get("new_due_at")),
    }


def fees_in(tx: Tx, dossier_id: str) -> list[dict[str, Any]]:
    """``DanhSachLePhi``: what was actually collected for the dossier (voided receipts and
    exemptions left out, refunds taken off)."""
    rows = tx.all("SELECT id, content, series, number, amount, at FROM receipts WHERE "
                  "dossier_id = ? AND kind = 'receipt' AND voided_at IS NULL ORDER BY at",
                  (dossier_id,))
    out = []
    for r in rows:
        back = tx.one("SELECT coalesce(sum(amount), 0) AS s FROM receipt_refunds WHERE "
                      "receipt_id = ?", (r["id"],))
        paid = int(r["amount"]) - int(back["s"] if back else 0)
        out.append({"TenPhiLePhi": r["content"],
                    "MaPhiLePhi": f"{r['series']}-{int(r['number']):07d}",
                    "HinhThucThu": "1", "Gia": str(paid), "LoaiPhiLePhi": "1", "_at": r["at"]})
    return out


def _moment(value: Any) -> datetime | None:
    """An aware moment, or None: a stored date that does not parse never fails a write."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.zone())


#: A dossier finished this soon after it was received was settled in the same visit.
ON_THE_SPOT = timedelta(minutes=30)


def split_fees(fees: list[dict[str, Any]], state: dict[str, Any]
               ) -> tuple[list[dict[str, Any]], dict[int, list[dict[str, Any]]]]:
    """``HinhThucThu`` from when each fee was collected (DOMAIN-2 §5, unverified codes):
    1 at reception, 2 during a supplement round (also listed in that round's
    ``DanhSachLePhiBoSung``), 4 once the dossier was done (collected at return)."""
    rounds = state["dossier"].get("supplements") or []
    finished = _moment(state.get("finished_at"))
    received = _moment(state["dossier"].get("received_at"))
    if finished is not None and received is not None and finished - received < ON_THE_SPOT:
        # Settled in the visit that brought it (a same-day certification): what was paid
        # then was paid at reception, even if the receipt is stamped after the finish.
        finished = None
    out: list[dict[str, Any]] = []
    by_round: dict[int, list[dict[str, Any]]] = {}
    for fee in fees:
        fee = dict(fee)
        at = _moment(fee.pop("_at", None))
        if at is not None:
            for sup in rounds:
                asked, got = _moment(sup.get("asked_at")), _moment(sup.get("received_at"))
                if asked is not None and asked <= at and (got is None or at <= got):
                    fee["HinhThucThu"] = "2"
                    by_round.setdefault(int(sup.get("round", 1)), []).append(fee)
                    break
            else:
                if finished is not None and at >= finished:
                    fee["HinhThucThu"] = "4"
        out.append(fee)
    return out, by_round


def reuse_kind(comp: dict[str, Any], result_hashes: set[str]) -> int:
    """``DuocTaiSuDung``: 0 scanned for this dossier, 1 reused from an earlier dossier's
    paper (issue 24), 2 reused from a result the province issued."""
    if not comp.get("reused"):
        return 0
    pages = {p["sha256"] for p in comp.get("pages", [])}
    return 2 if pages & result_hashes else 1


def linked(group: Any) -> str:
    """``ThongTinKhac`` of a dossier taken with others (liên thông): the group and the
    other dossiers' codes, so the portal's reader finds them together."""
    if not isinstance(group, dict) or not group.get("dossiers"):
        return ""
    name = group.get("name") or group.get("code", "")
    return f"Liên thông {name}: {', '.join(group['dossiers'])}"


def identity(number: str) -> list[dict[str, str]]:
    """``DinhDanhCHS``: 1 a 12-digit CCCD, 2 a 9-digit CMND; nothing for anything else."""
    digits = number.strip()
    if digits.isdigit() and len(digits) in (9, 12):
        return [{"LoaiDinhDanh": "1" if len(digits) == 12 else "2", "SoDinhDanh": digits}]
    return []


def result_hashes_in(tx: Tx, state: dict[str, Any]) -> set[str]:
    """The dossier's files that the server holds as some dossier's result."""
    hashes = sorted({p["sha256"] for c in state["dossier"].get("components", [])
                     if c.get("reused") for p in c.get("pages", [])})
    if not hashes:
        return set()
    marks = ", ".join("?" * len(hashes))
    return {r["sha256"] for r in tx.all(
        f"SELECT DISTINCT sha256 FROM dossier_results WHERE sha256 IN ({marks})", hashes)}


def results_in(tx: Tx, dossier_id: str, blob_url: str) -> list[dict[str, Any]]:
    """``DanhSachGiayToKetQua``: the dossier's result documents (issue 24)."""
    rows = tx.all("SELECT id, kind, number, issued, valid_until, issuer, code, sha256, origin"
                  " FROM dossier_results WHERE dossier_id = ? ORDER BY created_at, id",
                  (dossier_id,))
    return [{"TenGiayTo": r["kind"], "MaThanhPhanHoSo": r["kind"], "GiayToId": r["id"],
             "DuongDanTepTinKetQua": blob_url.format(sha256=r["sha256"]),
             "MaGiayToKetQua": r["code"], "SoKyHieu": r["number"],
             "NgayBanHanh": (r["issued"] or "").replace("-", ""),
             "NgayHetHieuLuc": (r["valid_until"] or "").replace("-", ""),
             "CoQuanBanHanh": r["issuer"], "MaHash": r["sha256"],
             "DuocSoHoa": 1 if r["origin"] == "counter" else 0}
            for r in rows]
