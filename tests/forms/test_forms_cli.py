"""``kiosk form/book/print/printers`` on a real database (demo dossiers) and a real CUPS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.storage import Store
from tests.forms.cups_server import CupsServer
from tests.forms.helpers import decode, pdf_text, rasterize


@pytest.fixture()
def codes() -> list[str]:
    from kiosk import demo

    with Store() as store:
        return demo.seed(store)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, (json.loads(out) if out.strip() else None), err


def test_form_writes_a_receipt_of_a_stored_dossier(codes: list[str], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.pdf"
    rc, result, err = _run(capsys, "form", codes[0], "--out", str(out))
    assert rc == 0, err
    assert result == {"file": str(out), "code": codes[0], "set": "tt03-2025", "form": "01",
                      "paper": "a4", "pages": 1, "width_mm": 210.0, "height_mm": 297.0}
    assert decode(rasterize(out, 150)[0]) == {"Code128": [codes[0]], "QRCode": [codes[0]]}
    text = pdf_text(out)
    assert "Nguyễn Thị Hồng Nhung" in text
    assert "2.000 đồng (2.000 đồng/trang" in text  # certified copy: fee per page


def test_form_options(codes: list[str], tmp_path: Path,
                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "t.pdf"
    rc, result, err = _run(capsys, "form", codes[1], "--paper", "thermal", "--set", "tt01-2018",
                           "--out", str(out))
    assert rc == 0, err
    assert isinstance(result, dict)
    assert (result["set"], result["paper"], result["width_mm"]) == ("tt01-2018", "thermal", 80)
    out2 = tmp_path / "02.pdf"
    rc, result, err = _run(capsys, "form", codes[1], "--form", "02", "--item",
                           "Bản sao giấy chứng sinh|Bản đã nộp bị mờ", "--contact",
                           "chị Lan, 0243 123 456", "--date", "2026-11-23T08:00",
                           "--out", str(out2))
    assert rc == 0, err
    text = pdf_text(out2)
    assert "Bản sao giấy chứng sinh" in text and "Bản đã nộp bị mờ" in text
    assert "chị Lan, 0243 123 456" in text and "ngày 23 tháng 11 năm 2026" in text
    out4 = tmp_path / "04.pdf"
    rc, _r, err = _run(capsys, "form", codes[2], "--form", "04", "--reason", "Chờ xác minh",
                       "--new-due", "2026-12-01T10:00", "--out", str(out4))
    assert rc == 0, err
    assert "10 giờ 00 phút, ngày 01 tháng 12 năm 2026" in pdf_text(out4)


def test_form_errors_are_vietnamese_and_nonzero(codes: list[str], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    rc, _r, err = _run(capsys, "form", "000.00.04.H40-990101-9999", "--out",
                       str(tmp_path / "x.pdf"))
    assert rc != 0 and "Không tìm thấy hồ sơ 000.00.04.H40-990101-9999" in err
    rc, _r, err = _run(capsys, "form", codes[0], "--form", "03", "--paper", "thermal",
                       "--out", str(tmp_path / "x.pdf"))
    assert rc != 0 and "giấy in nhiệt" in err
    rc, _r, err = _run(capsys, "form", codes[0], "--form", "04", "--new-due", "mai",
                       "--out", str(tmp_path / "x.pdf"))
    assert rc != 0 and "Thời điểm «mai» không hợp lệ" in err
    assert not (tmp_path / "x.pdf").exists()
    rc, _r, err = _run(capsys, "book", "--from", "2026-11-30", "--to", "2026-11-01", "--out",
                       str(tmp_path / "b.pdf"))
    assert rc != 0 and "Khoảng ngày không hợp lệ" in err


def test_book_lists_the_range(codes: list[str], tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    with Store() as store:
        days = sorted({store.get_dossier(c)["day"] for c in codes})
    out = tmp_path / "book.pdf"
    rc, result, err = _run(capsys, "book", "--from", days[0], "--to", days[-1], "--volume",
                           "01/2026", "--out", str(out))
    assert rc == 0, err
    assert isinstance(result, dict) and result["rows"] == len(codes) and result["form"] == "07"
    text = pdf_text(out)
    for code in codes:
        assert code in text
    assert "Quyển số: 01/2026" in text


def test_print_and_printers_through_cups(cups: CupsServer, codes: list[str],
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CUPS_SERVER", cups.socket)
    rc, listed, err = _run(capsys, "printers")
    assert rc == 0, err
    assert isinstance(listed, list)
    mine = next(p for p in listed if p["name"] == "KioskPDF")
    assert (mine["state"], mine["problem"], mine["default"]) == ("idle", None, True)
    rc, result, err = _run(capsys, "print", codes[0], "--paper", "thermal", "--wait")
    assert rc == 0, err
    assert isinstance(result, dict)
    assert result["printer"] == "KioskPDF" and result["state"] == "completed"
    assert result["media"].startswith("Custom.80x")
    printed = cups.printed(int(result["job"]))
    assert decode(rasterize(printed, 203, mono=True)[0]) == {"Code128": [codes[0]],
                                                            "QRCode": [codes[0]]}
    rc, _r, err = _run(capsys, "print", codes[0], "--printer", "Khong-Co")
    assert rc != 0 and "Không có máy in Khong-Co" in err


def test_a_dossier_received_under_the_2018_set_reprints_its_control_slip_as_mau_05(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Received while the unit used the TT 01/2018 set (the dossier records it), printed
    after the set's numbering was corrected and the unit moved to the 2025 set."""
    from kiosk.config import Config
    from kiosk.storage import ApplicantInput, DossierInput

    config = Config.load()
    config.set("forms.set", "tt01-2018")
    config.save()
    with Store() as store:
        code = store.save_dossier(DossierInput("1.004873", ApplicantInput("Lê Thị Hoa")),
                                  "canbo1").code
        assert store.get_dossier(code)["form_set"] == "tt01-2018"
    config.set("forms.set", "tt03-2025")
    config.save()

    slip = tmp_path / "05.pdf"
    rc, result, err = _run(capsys, "form", code, "--form", "05", "--out", str(slip))
    assert rc == 0, err
    assert isinstance(result, dict)
    assert (result["set"], result["form"]) == ("tt01-2018", "05")
    # The number meant the tracking book before the correction: the output says so.
    assert any(w.startswith("renumbered:") for w in result["warnings"])
    text = " ".join(pdf_text(slip).split())
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text and "Mẫu số 05" in text
    assert "Lê Thị Hoa" in text and code in text

    # The old number of the control slip is the tracking book now: a clear answer.
    rc, result, err = _run(capsys, "form", code, "--form", "06", "--out",
                           str(tmp_path / "06.pdf"))
    assert rc == 2 and result is None
    assert "Mẫu 06 là sổ theo dõi" in err
    assert "Phiếu kiểm soát quá trình giải quyết hồ sơ là Mẫu 05 của bộ tt01-2018" in err
    assert not (tmp_path / "06.pdf").exists()

    book = tmp_path / "so.pdf"
    day = code.split("-")[-2]
    first = f"20{day[:2]}-{day[2:4]}-{day[4:]}"
    rc, result, err = _run(capsys, "book", "--from", first, "--set", "tt01-2018", "--out",
                           str(book))
    assert rc == 0, err
    assert isinstance(result, dict) and (result["form"], result["rows"]) == ("06", 1)
    text = " ".join(pdf_text(book).split())
    assert "SỔ THEO DÕI HỒ SƠ" in text and "Mẫu số 06" in text

    # The 2025 set, unchanged: 06 control slip, 07 tracking book, 05 stop notice.
    rc, result, err = _run(capsys, "form", code, "--form", "06", "--set", "tt03-2025",
                           "--out", str(tmp_path / "06-2025.pdf"))
    assert rc == 0, err
    assert isinstance(result, dict) and "warnings" not in result
    assert "PHIẾU KIỂM SOÁT" in pdf_text(tmp_path / "06-2025.pdf")
