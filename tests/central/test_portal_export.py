"""The export's fields that used to be fixed: HinhThuc, DuocTaiSuDung, the fees' HinhThucThu
and the supplement rounds' fees, DinhDanhCHS, NgayHenTra after a letter; each checked by the
emulator's rules as the portal would."""

from __future__ import annotations

from typing import Any

from central.portal import export_dossier, identity, reuse_kind, split_fees
from central.portal_rules import check_dossier, wire

RESULT_SHA = "a" * 64
SCAN_SHA = "b" * 64
PAPER_SHA = "c" * 64


def _state(**over: Any) -> dict[str, Any]:
    dossier = {
        "code": "000.00.04.H40-261122-0001", "procedure_code": "1.004873",
        "procedure_name": "Cấp Giấy xác nhận tình trạng hôn nhân", "channel": 3,
        "applicant": {"name": "Đinh Thị Huyền", "id_number": "001158024485"},
        "received_at": "2026-11-23T09:00:00+07:00", "due_at": "2026-11-26T09:00:00+07:00",
        "return_method": "post",
        "components": [
            {"code": "TK", "reused": False, "pages": [{"sha256": SCAN_SHA, "size": 10}]},
            {"code": "GKS", "reused": True, "pages": [{"sha256": RESULT_SHA, "size": 10}]},
            {"code": "CCCD", "reused": True, "pages": [{"sha256": PAPER_SHA, "size": 10}]},
        ],
        "supplements": [{"round": 1, "asked_at": "2026-11-24T09:00:00+07:00",
                         "items": ["Bản sao giấy khai sinh"], "asked_by": "Lê Văn Bình",
                         "received_at": "2026-11-25T09:00:00+07:00",
                         "previous_due_at": "2026-11-26T09:00:00+07:00",
                         "new_due_at": "2026-11-27T09:00:00+07:00"}],
    }
    state: dict[str, Any] = {
        "id": "d1", "code": dossier["code"], "unit_code": "000.00.04.H40", "status": 10,
        "server_version": 4, "notes": [], "finished_at": "2026-11-27T08:00:00+07:00",
        "returned_at": "2026-11-27T10:00:00+07:00", "refused_at": None,
        "updated_at": "2026-11-27T10:00:00+07:00", "dossier": dossier,
        "postponements": [{"new_due_at": "2026-11-30T09:00:00+07:00"}]}
    state.update(over)
    return state


def _fee(number: int, amount: int, at: str) -> dict[str, Any]:
    return {"TenPhiLePhi": "Lệ phí", "MaPhiLePhi": f"BL/26E-{number:07d}", "HinhThucThu": "1",
            "Gia": str(amount), "LoaiPhiLePhi": "1", "_at": at}


def test_fields_come_from_the_dossier_and_pass_the_portals_rules() -> None:
    fees = [_fee(1, 10_000, "2026-11-23T09:05:00+07:00"),
            _fee(2, 5_000, "2026-11-24T15:00:00+07:00"),
            _fee(3, 8_000, "2026-11-27T10:00:00+07:00")]
    item = export_dossier(_state(), fees=fees, result_hashes={RESULT_SHA})
    assert item["HinhThuc"] == 1  # the result goes back by post
    assert [f["DuocTaiSuDung"] for f in item["TaiLieuNop"]] == [0, 2, 1]
    assert [(f["MaPhiLePhi"], f["HinhThucThu"]) for f in item["DanhSachLePhi"]] == [
        ("BL/26E-0000001", "1"), ("BL/26E-0000002", "2"), ("BL/26E-0000003", "4")]
    assert all("_at" not in f for f in item["DanhSachLePhi"])
    (round1,) = item["DanhSachHoSoBoSung"]
    assert [f["MaPhiLePhi"] for f in round1["DanhSachLePhiBoSung"]] == ["BL/26E-0000002"]
    assert round1["NgayHenTraTruoc"] == "20261126090000"
    assert round1["NgayHenTraMoi"] == "20261127090000"
    # The province's letter moved the due after the supplement: the later one is in force.
    assert item["NgayHenTra"] == "20261130090000"
    assert item["DinhDanhCHS"] == [{"LoaiDinhDanh": "1", "SoDinhDanh": "001158024485"}]
    assert item["ThongTinKhac"] == ""
    assert check_dossier(wire(item)) is None


def test_a_linked_dossier_names_its_group() -> None:
    state = _state()
    state["dossier"]["group"] = {"id": "0" * 36, "code": "KS-TT-BHYT",
                                 "name": "Khai sinh, thường trú, thẻ BHYT",
                                 "dossiers": ["000.00.04.H40-261122-0001",
                                              "000.00.04.H40-261122-0002"]}
    assert export_dossier(state)["ThongTinKhac"] == (
        "Liên thông Khai sinh, thường trú, thẻ BHYT: 000.00.04.H40-261122-0001, "
        "000.00.04.H40-261122-0002")


def test_the_portals_rules_refuse_what_it_would() -> None:
    item = wire(export_dossier(_state()))
    assert check_dossier({**item, "KenhThucHien": "4"}) is not None
    assert check_dossier({**item, "KenhThucHien": 2}) is not None  # a number, not a string
    assert check_dossier({**item, "TrangThaiHoSo": "11"}) is not None
    assert "NgayTiepNhan" in (check_dossier({**item, "NgayTiepNhan": "2026-11-23"}) or "")
    assert "MaTTHC" in (check_dossier({**item, "MaTTHC": ""}) or "")
    assert check_dossier({**item, "SoGiayToChuHoSo": "12345"}) is not None
    assert check_dossier({**item, "NgayHenTra": "", "TrangThaiHoSo": "2"}) is not None
    assert check_dossier({**item, "NgayHenTra": "", "TrangThaiHoSo": "3"}) is None


def test_small_rules() -> None:
    assert identity("123456789") == [{"LoaiDinhDanh": "2", "SoDinhDanh": "123456789"}]
    assert identity("") == [] and identity("0123") == []
    assert reuse_kind({"reused": False, "pages": [{"sha256": RESULT_SHA}]}, {RESULT_SHA}) == 0
    fees, rounds = split_fees([_fee(1, 1, "2026-11-24T10:00:00+07:00")],
                              {"dossier": {"supplements": [
                                  {"round": 2, "asked_at": "2026-11-24T09:00:00+07:00"}]}})
    assert fees[0]["HinhThucThu"] == "2" and list(rounds) == [2]  # a round still open
