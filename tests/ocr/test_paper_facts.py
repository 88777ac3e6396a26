"""Number, issue date and validity of a scanned document suggested from its text (issue 24
§3/§4): a rendered Vietnamese paper is read by real Tesseract, ``kiosk store suggest``
proposes what it says, the clerk confirms (``kiosk store confirm``), ``kiosk store list``
carries the facts, and an expired paper is no longer reused."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from kiosk import ocr
from kiosk.doc_facts import suggest
from tests.ocr.test_ocr_search import kiosk, typed_page

OWNER = "001158024485"
PAPER = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
         "Số: 125/2025/GXN", "Xã Mẫu, ngày 05 tháng 3 năm 2025",
         "GIẤY XÁC NHẬN CHỖ Ở HỢP PHÁP", "Ông Trần Văn Quý ở tại thôn Đông",
         "Giấy này có giá trị đến ngày 05/09/2025"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Số: 123/2024/QĐ-UBND Xã Mẫu, ngày 05 tháng 3 năm 2024 … có giá trị đến ngày "
     "05/03/2034.", ("123/2024/QĐ-UBND", "2024-03-05", "2034-03-05")),
    ("Số CCCD: 001158024485 Ngày cấp: 12/08/2021 Có giá trị đến: 12/08/2046",
     ("001158024485", "2021-08-12", "2046-08-12")),
    # OCR without accents, and a validity stated in words.
    ("so 45/GCN ngay 1 thang 2 nam 2020 co gia tri su dung den ngay 1 thang 2 nam 2022",
     ("45/GCN", "2020-02-01", "2022-02-01")),
    # Nothing to go on: nothing suggested (a page count is not a document number).
    ("Tổng số 3 trang, kèm theo bản sao", (None, None, None)),
    # A date that cannot be (31 February), a future issue date: not suggested.
    ("ngày 31 tháng 2 năm 2024; ngày 01 tháng 01 năm 2099", (None, None, None)),
    # Valid until before the issue date: a misread, the validity is dropped.
    ("Số 9/GP ngày 10 tháng 10 năm 2024, có giá trị đến 01/01/2020",
     ("9/GP", "2024-10-10", None)),
])
def test_suggestions_from_text(text: str, expected: tuple[str | None, ...]) -> None:
    found = suggest(text, date(2026, 12, 7))
    assert (found["number"], found["issued"], found["valid_until"]) == expected


@pytest.mark.skipif(not ocr.available(), reason="tesseract-ocr-vie not installed")
def test_a_scanned_paper_gets_its_facts_from_the_text_and_expires(kiosk_home: Path,
                                                                  tmp_path: Path) -> None:
    pdf = tmp_path / "xac-nhan.pdf"
    pdf.write_bytes(typed_page(PAPER))
    first = kiosk("dossier", "new", "--procedure", "1.004222", "--name", "Trần Văn Quý",
                  "--id-number", OWNER, "--attach", f"CO={pdf}")
    assert first.returncode == 0, first.stderr
    [paper] = json.loads(kiosk("store", "list", "--id-number", OWNER, "--local").stdout)
    assert (paper["number"], paper["issued"], paper["valid_until"]) == ("", None, None)
    not_read = json.loads(kiosk("store", "suggest", paper["id"]).stdout)
    assert not_read["read"] is False and not_read["suggested"]["number"] is None
    assert kiosk("ocr", "run").returncode == 0
    shown = kiosk("store", "suggest", paper["id"])
    assert shown.returncode == 0, shown.stderr
    hint = json.loads(shown.stdout)
    assert hint["read"] and hint["confirmed"] is None
    assert (hint["suggested"]["number"], hint["suggested"]["issued"],
            hint["suggested"]["valid_until"]) == ("125/2025/GXN", "2025-03-05", "2025-09-05")
    # Refused with nothing written: dates that contradict each other, an unknown paper.
    bad = kiosk("store", "confirm", paper["id"], "--valid-until", "2024-01-01",
                "--actor", "canbo")
    assert bad.returncode != 0 and "trước ngày cấp" in bad.stderr, bad.stderr
    unknown = kiosk("store", "confirm", "khong-co:CO", "--actor", "canbo")
    assert unknown.returncode != 0 and "Không có giấy tờ" in unknown.stderr
    assert "Traceback" not in bad.stderr + unknown.stderr
    # The clerk confirms what was suggested (nothing typed: the suggestion stands).
    done = kiosk("store", "confirm", paper["id"], "--actor", "canbo")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["confirmed_by"] == "canbo"
    [listed] = json.loads(kiosk("store", "list", "--id-number", OWNER, "--local").stdout)
    assert (listed["number"], listed["issued"], listed["valid_until"]) == (
        "125/2025/GXN", "2025-03-05", "2025-09-05")
    assert listed["expired"] is True
    # Expired: not reused for the next dossier, nothing saved.
    before = kiosk("dossier", "list").stdout.count("\n")
    again = kiosk("dossier", "new", "--procedure", "1.004194", "--name", "Trần Văn Quý",
                  "--id-number", OWNER, "--reuse", f"CO={paper['id']}")
    assert again.returncode != 0 and "hết hiệu lực" in again.stderr, again.stderr
    assert kiosk("dossier", "list").stdout.count("\n") == before
    # A correction: the paper was extended; the clerk types the new date, reuse works.
    fixed = kiosk("store", "confirm", paper["id"], "--valid-until", "2030-09-05",
                  "--actor", "canbo")
    assert fixed.returncode == 0, fixed.stderr
    reused = kiosk("dossier", "new", "--procedure", "1.004194", "--name", "Trần Văn Quý",
                   "--id-number", OWNER, "--reuse", f"CO={paper['id']}")
    assert reused.returncode == 0, reused.stderr
