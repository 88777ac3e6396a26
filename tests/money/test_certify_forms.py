"""``kiosk certify`` end to end on the CLI, and every PDF it and ``kiosk fee`` write: PDF/A-2b,
rendered with pdftoppm (not blank, the right size), its text read back with pdftotext; the
register's XLSX read back with openpyxl; the receipt's QR read with zxing."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import zxingcpp
from PIL import Image

from kiosk.pdfa import pdfa_problems

from .helpers import configure, kiosk, kiosk_json, pdf_of

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils missing")


def text_of(pdf: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"] + (["-f", str(page), "-l", str(page)] if page else [])
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def look(pdf: Path, tmp: Path, page: int = 1, dpi: int = 60) -> Image.Image:
    """Render one page as a clerk would see it printed, and check it is not blank."""
    prefix = tmp / f"{pdf.stem}-{page}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png",
                    "-singlefile", str(pdf), str(prefix)], check=True)
    image = Image.open(f"{prefix}.png").convert("L")
    dark = int((np.asarray(image) < 128).sum())
    assert dark > 500, f"{pdf.name} page {page} looks blank"
    return image


def pages_of(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    return int(info.split("Pages:")[1].split()[0])


def assert_pdfa(pdf: Path) -> None:
    assert pdfa_problems(pdf.read_bytes()) == []


def test_a_copy_certification_from_the_cli(kiosk_home: Path, tmp_path: Path) -> None:
    configure(kiosk_home)
    scan = tmp_path / "ban-sao.pdf"
    scan.write_bytes(pdf_of(3, "Giấy khai sinh"))
    out, receipt = tmp_path / "ban-chung-thuc.pdf", tmp_path / "bien-lai.pdf"
    done = kiosk_json("certify", "--kind", "copy", "--copies", "2", "--attach", str(scan),
                      "--name", "Nguyễn Thị Hoa", "--id-number", "001189012345",
                      "--out", str(out), "--pdf", str(receipt), home=kiosk_home)
    assert set(done) >= {"dossier", "register", "fee", "receipt"}
    year = int(done["receipt"]["at"][:4])
    assert done["register"] == {"book": f"01/{year}-SCT/BS", "number": 1, "number_text": "01"}
    assert done["fee"] == 10_000 and done["pages"] == 3  # (2 000 + 2 000 + 1 000) × 2
    assert done["receipt"]["amount_words"] == "Mười nghìn đồng"
    # Each copy: the three pages, the attestation on the last one.
    assert_pdfa(out)
    assert pages_of(out) == 6
    for page in (3, 6):
        words = " ".join(text_of(out, page).split())
        assert "Chứng thực bản sao đúng với bản chính." in words
        assert f"Số chứng thực 01, quyển số 01/{year}-SCT/BS" in words
        assert "PHÓ CHỦ TỊCH" in words and "Nguyễn Văn An" in words
        look(out, tmp_path, page)
    assert "Chứng thực bản sao" not in text_of(out, 1)
    # The receipt: A5, the numbers, the amount in words, the QR holding its series and number.
    assert_pdfa(receipt)
    words = " ".join(text_of(receipt).split())
    for expected in ("BIÊN LAI THU PHÍ, LỆ PHÍ", f"Ký hiệu: Q1-{year % 100:02d}E",
                     "Số: 0000001", "Nguyễn Thị Hoa", "10.000 đồng", "Mười nghìn đồng",
                     "Tiền mặt", done["dossier"]):
        assert expected in words, expected
    image = look(receipt, tmp_path, dpi=150)
    assert abs(image.size[0] / image.size[1] - 148 / 210) < 0.01  # A5
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [b.text for b in found] == [done["receipt"]["ref"]]
    # Statuses: certified and handed back at the counter.
    record = kiosk_json("dossier", "show", done["dossier"], home=kiosk_home)
    assert record["status"] == 10
    assert [c["copy_kind"] for c in record["components"] if not c["presented"]] == ["copy"]


def test_signature_and_contract_and_the_register(kiosk_home: Path, tmp_path: Path) -> None:
    configure(kiosk_home, **{"certify.signers": "PHÓ CHỦ TỊCH=Nguyễn Văn An,"
                                                "CÔNG CHỨC TƯ PHÁP - HỘ TỊCH=Lê Thị Bình"})
    copies = [kiosk_json("certify", "--kind", "copy", "--pages", str(p), "--copies", "1",
                         home=kiosk_home) for p in (1, 12)]
    signature = kiosk_json("certify", "--kind", "signature", "--copies", "3", "--signer", "2",
                           "--name", "Trần Văn Dũng", home=kiosk_home)
    contract = kiosk_json("certify", "--kind", "contract", "--copies", "1", "--method",
                          "exempt", "--reason", "Hợp đồng thế chấp vay vốn nông nghiệp "
                          "(NĐ 55/2015)", home=kiosk_home)
    assert [c["register"]["number"] for c in copies] == [1, 2]
    assert [c["fee"] for c in copies] == [2_000, 14_000]
    assert signature["fee"] == 30_000 and signature["signer"]["name"] == "Lê Thị Bình"
    assert signature["register"]["book"].endswith("-SCT/CK,ĐC")
    assert contract["fee"] == 0 and contract["receipt"]["method"] == "exempt"
    assert contract["receipt"]["number"] is None
    year = int(signature["receipt"]["at"][:4])
    first, last = date(year, 1, 1), date(year, 12, 31)
    pdf, xlsx = tmp_path / "so.pdf", tmp_path / "so.xlsx"
    book = kiosk_json("certify", "book", "--from", first.isoformat(), "--to", last.isoformat(),
                      "--pdf", str(pdf), "--xlsx", str(xlsx), home=kiosk_home)
    assert len(book["entries"]) == 4 and book["pdf"]["pages"] == 3  # one section per book
    assert_pdfa(pdf)
    image = look(pdf, tmp_path)
    assert image.size[0] > image.size[1]  # A4 landscape
    text = " ".join(text_of(pdf).split())
    assert "SỔ CHỨNG THỰC" in text and f"Quyển số: 01/{year}-SCT/BS" in text
    assert "Lê Thị Bình" in " ".join(text_of(pdf, 2).split())
    sheet = openpyxl.load_workbook(xlsx).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[2], r[7], r[10]) for r in rows] == [
        (f"01/{year}-SCT/BS", 1, 1, 2_000), (f"01/{year}-SCT/BS", 2, 1, 14_000),
        (f"01/{year}-SCT/CK,ĐC", 1, 3, 30_000), (f"01/{year}-SCT/HĐ,GD", 1, 1, 0)]
    assert rows[2][4] == "Trần Văn Dũng"
    assert rows[0][3] == date.fromisoformat(copies[0]["receipt"]["at"][:10]) or \
        rows[0][3].date() == date.fromisoformat(copies[0]["receipt"]["at"][:10])


def test_the_cash_book_and_the_handover_list(kiosk_home: Path, tmp_path: Path) -> None:
    configure(kiosk_home)
    done = [kiosk_json("certify", "--kind", "signature", "--copies", "1", "--method", method,
                       home=kiosk_home)["receipt"] for method in ("cash", "transfer", "cash")]
    kiosk_json("fee", "void", done[2]["ref"], "--reason", "Ghi sai tên", home=kiosk_home)
    day = done[0]["at"][:10]
    pdf = tmp_path / "so-thu.pdf"
    book = kiosk_json("fee", "book", "--date", day, "--pdf", str(pdf), home=kiosk_home)
    assert book["totals"]["collected"] == 20_000 and book["totals"]["voided"] == 1
    assert_pdfa(pdf)
    look(pdf, tmp_path)
    text = " ".join(text_of(pdf).split())
    assert "SỔ THU PHÍ, LỆ PHÍ" in text and "ĐÃ HUỶ: Ghi sai tên" in text
    assert "Tiền mặt phải nộp: 10.000 đồng" in text
    handed = tmp_path / "nop-tien.pdf"
    kiosk_json("fee", "handover", "--date", day, "--amount", "10000", "--pdf", str(handed),
               home=kiosk_home)
    assert_pdfa(handed)
    text = " ".join(text_of(handed).split())
    assert "BẢNG KÊ NỘP TIỀN PHÍ, LỆ PHÍ" in text and "3 biên lai được khoá sổ" in text
    r = kiosk("fee", "book", "--date", (date.fromisoformat(day) + timedelta(days=1)).isoformat(),
              home=kiosk_home)
    assert r.returncode == 0  # an empty day is an empty book, not an error


def test_thermal_receipt_and_a_slip(kiosk_home: Path, tmp_path: Path) -> None:
    configure(kiosk_home, **{"certify.stamp": "slip", "fees.receipt_paper": "thermal"})
    scan = tmp_path / "ban-sao.pdf"
    scan.write_bytes(pdf_of(2))
    out, receipt = tmp_path / "chung-thuc.pdf", tmp_path / "bien-lai.pdf"
    kiosk_json("certify", "--kind", "copy", "--copies", "2", "--attach", str(scan), "--out",
               str(out), "--pdf", str(receipt), home=kiosk_home)
    # Slips: one page per copy, holding the attestation.
    info = subprocess.run(["pdfinfo", str(receipt)], capture_output=True, text=True).stdout
    width = float(info.split("Page size:")[1].split("x")[0])
    assert abs(width - 80 / 25.4 * 72) < 1  # 80 mm
    assert_pdfa(receipt)
    assert_pdfa(out)
    assert pages_of(out) == 2
    assert "Chứng thực bản sao đúng với bản chính." in " ".join(text_of(out, 2).split())
    look(out, tmp_path, 1)


@pytest.mark.parametrize(("args", "words"), [
    (["--kind", "copy", "--copies", "1"], "cần số trang"),
    (["--kind", "photo", "--copies", "1", "--pages", "1"], "Loại chứng thực «photo»"),
    (["--kind", "copy", "--copies", "0", "--pages", "1"], "ngoài khoảng"),
    (["--kind", "copy", "--copies", "1", "--pages", "2", "--method", "cheque"],
     "Hình thức thu «cheque»"),
    (["--kind", "copy", "--copies", "1", "--pages", "1", "--signer", "Ông Ba"],
     "không có trong danh sách người thực hiện"),
])
def test_bad_certifications_write_nothing(kiosk_home: Path, args: list[str],
                                          words: str) -> None:
    configure(kiosk_home)
    r = kiosk("certify", *args, home=kiosk_home)
    assert r.returncode == 2 and words in r.stderr and r.stdout == "", r.stderr
    db = kiosk_home / "data" / "kiosk.sqlite3"
    if db.exists():
        import sqlite3

        conn = sqlite3.connect(db)
        assert conn.execute("SELECT count(*) FROM dossiers").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM register_counters").fetchone()[0] == 0


def test_pages_must_match_the_attached_copy(kiosk_home: Path, tmp_path: Path) -> None:
    configure(kiosk_home)
    scan = tmp_path / "ban-sao.pdf"
    scan.write_bytes(pdf_of(4))
    r = kiosk("certify", "--kind", "copy", "--copies", "1", "--pages", "2", "--attach",
              str(scan), home=kiosk_home)
    assert r.returncode == 2 and "khác số trang của tệp bản sao (4)" in r.stderr
    bad = tmp_path / "not.pdf"
    bad.write_text("hello")
    r = kiosk("certify", "--kind", "copy", "--copies", "1", "--attach", str(bad),
              home=kiosk_home)
    assert r.returncode == 2 and "không phải PDF" in r.stderr
