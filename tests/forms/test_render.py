"""Every form of both template sets rendered for a realistic dossier, then read back like a
person and a scanner would: pdftoppm → PNG → zxing for the barcodes, pdftotext for the words."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.clock import TZ
from kiosk.errors import InvalidInput, NotFound
from kiosk.forms import ApplicantInfo, BookContext, BookRow, render_book, render_form
from kiosk.forms.templates import load_set
from tests.forms.helpers import (
    CODE,
    DUE_TEXT,
    NAME,
    PROCEDURE,
    UNIT,
    decode,
    is_nfc,
    pdf_text,
    rasterize,
    realistic_context,
)

DOSSIER_FORMS = [(s, n) for s in ("tt01-2018", "tt03-2025")
                 for n, t in sorted(load_set(s).forms.items()) if t.kind != "book"]


def _write(tmp_path: Path, name: str, pdf: bytes) -> Path:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    return path


@pytest.mark.parametrize(("set_id", "number"), DOSSIER_FORMS)
def test_every_form_reads_back(tmp_path: Path, set_id: str, number: str) -> None:
    ctx = realistic_context()
    form = render_form(ctx, number, set_id=set_id)
    assert (form.set_id, form.form, form.paper, form.pages) == (set_id, number, "a4", 1)
    assert (form.width_mm, form.height_mm) == (210.0, 297.0)
    pdf = _write(tmp_path, f"{set_id}-{number}", form.pdf)
    text = pdf_text(pdf)
    tpl = load_set(set_id).form(number)
    assert is_nfc(text)
    assert tpl.title in text
    assert f"Mẫu số {number}" in text
    assert NAME in text
    assert PROCEDURE in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Khánh Hà, ngày 24 tháng 11 năm 2026" in text
    kind = tpl.kind
    if kind == "receipt":
        assert DUE_TEXT in text
        assert "10 giờ 15 phút, ngày 24 tháng 11 năm 2026" in text
        assert "8.000 đồng" in text
        assert "Quyển số: 03/2026, Số thứ tự: 57" in text
        assert "Căn cước của người yêu cầu" in text
    elif kind == "supplement":
        assert "Bổ sung bản sao giấy khai sinh" in text
        assert "0243 123 456" in text
    elif kind == "refusal":
        assert "Tờ khai còn trống" in text
    elif kind == "apology":
        assert DUE_TEXT in text and "10 giờ 00 phút, ngày 27 tháng 11 năm 2026" in text
        assert "Cần xác minh thông tin đăng ký khai sinh" in text
    elif kind == "control":
        assert "14 giờ 00 phút, ngày 24 tháng 11 năm 2026" in text
        assert "Trần Thị Lan" in text
    if kind in ("receipt", "control"):
        codes = decode(rasterize(pdf, 150)[0])
        assert codes == {"Code128": [CODE], "QRCode": [CODE]}


def test_sets_differ_where_the_2025_circular_differs(tmp_path: Path) -> None:
    ctx = realistic_context()
    old = pdf_text(_write(tmp_path, "a", render_form(ctx, "04", set_id="tt01-2018").pdf))
    new = pdf_text(_write(tmp_path, "b", render_form(ctx, "04", set_id="tt03-2025").pdf))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in old
    assert "ĐỀ NGHỊ GIA HẠN" in new and "đề nghị gia hạn thời gian giải quyết" in new
    assert load_set("tt03-2025").form("05").kind == "stop"
    # TT 01/2018 Art. 9: Mẫu 05 is the control slip, Mẫu 06 the tracking book.
    assert load_set("tt01-2018").form("05").kind == "control"
    assert load_set("tt01-2018").form("06").kind == "book"
    assert load_set("tt03-2025").form("06").kind == "control"
    assert load_set("tt03-2025").form("07").kind == "book"


def test_thermal_ticket_decodes_at_203_dpi_in_one_bit(tmp_path: Path) -> None:
    form = render_form(realistic_context(), "01", paper="thermal", set_id="tt03-2025")
    assert form.width_mm == 80.0 and form.warnings == ()
    assert 120 < form.height_mm < 260  # follows content: neither A4 nor a fixed roll length
    pdf = _write(tmp_path, "ticket", form.pdf)
    pages = rasterize(pdf, 203, mono=True)
    assert len(pages) == 1
    assert decode(pages[0]) == {"Code128": [CODE], "QRCode": [CODE]}
    text = pdf_text(pdf)
    for expected in (NAME, PROCEDURE, DUE_TEXT, "8.000 đồng", CODE):
        assert expected in text


def test_long_unit_code_runs_down_the_thermal_ticket(tmp_path: Path) -> None:
    # A QĐ 20/2020 code longer than the usual: the symbol (three-dot modules) grows along
    # the ticket's edge, and still decodes at 203 dpi in one bit.
    code = "000.00.04.H40.123.45-261124-1002"
    form = render_form(realistic_context(code=code), "01", paper="thermal")
    assert form.warnings == ()
    pdf = _write(tmp_path, "long", form.pdf)
    assert decode(rasterize(pdf, 203, mono=True)[0]) == {"Code128": [code], "QRCode": [code]}
    assert code in pdf_text(pdf)


def test_thermal_height_grows_with_content() -> None:
    short = render_form(realistic_context(book=None, clerk=""), "01", paper="thermal")
    long_name = PROCEDURE + " " + "và xác nhận thông tin hộ tịch kèm theo " * 6
    long = render_form(realistic_context(procedure_name=long_name), "01", paper="thermal")
    assert long.height_mm > short.height_mm + 10
    assert long.pages == short.pages == 1


def test_qr_carries_lookup_url_when_configured(tmp_path: Path) -> None:
    ctx = realistic_context(lookup_url="https://dichvucong.hanoi.gov.vn/tra-cuu?ma={code}")
    pdf = _write(tmp_path, "r", render_form(ctx, "01").pdf)
    codes = decode(rasterize(pdf, 150)[0])
    assert codes["Code128"] == [CODE]
    assert codes["QRCode"] == [f"https://dichvucong.hanoi.gov.vn/tra-cuu?ma={CODE}"]


def test_decomposed_and_markup_input_prints_exactly(tmp_path: Path) -> None:
    # A wedge scanner may send NFD; a name may contain characters that are paragraph markup.
    nfd = unicodedata.normalize("NFD", "Lê Thị Ánh Tuyết")
    ctx = realistic_context(applicant=ApplicantInfo(name=nfd, address="Số 5 <ngõ 3> & ngách 7"))
    text = pdf_text(_write(tmp_path, "r", render_form(ctx, "01").pdf))
    assert "Lê Thị Ánh Tuyết" in text
    assert "Số 5 <ngõ 3> & ngách 7" in text


def test_receipt_without_due_time_fee_or_components(tmp_path: Path) -> None:
    ctx = realistic_context(due_at=None, fee=None, components=(), book=None)
    text = pdf_text(_write(tmp_path, "r", render_form(ctx, "01", set_id="tt01-2018").pdf))
    assert "Theo thông báo của cơ quan giải quyết" in text
    assert "Không thu phí, lệ phí" in text
    assert "(Không có giấy tờ kèm theo)" in text
    assert "Quyển số" not in text


def _rows(n: int) -> tuple[BookRow, ...]:
    start = datetime(2026, 11, 2, 7, 30, tzinfo=TZ)
    return tuple(
        BookRow(code=f"000.00.04.H40-2611{2 + i // 40:02d}-1{i % 40 + 1:03d}",
                procedure_name="Đăng ký khai sinh" if i % 2 else PROCEDURE,
                applicant_name=f"Nguyễn Thị Hồng {i + 1}", received_at=start + timedelta(
                    minutes=37 * i), due_at=start + timedelta(days=1, minutes=37 * i),
                address_phone="Khánh Hà, 0912345678", lead_agency="UBND xã Khánh Hà",
                returned_at=start + timedelta(days=2) if i % 3 == 0 else None)
        for i in range(n))


@pytest.mark.parametrize(("set_id", "number"), [("tt01-2018", "06"), ("tt03-2025", "07")])
def test_tracking_book_one_row_per_dossier(tmp_path: Path, set_id: str, number: str) -> None:
    rows = _rows(45)
    book = BookContext(UNIT, date(2026, 11, 2), date(2026, 11, 3), rows, volume="03/2026")
    form = render_book(book, set_id=set_id)
    assert (form.set_id, form.form) == (set_id, number)
    assert form.pages >= 2 and form.width_mm == 297.0
    text = pdf_text(_write(tmp_path, "book", form.pdf))
    for row in rows:
        assert row.code in text
        assert row.applicant_name in text
    assert "Từ ngày 02 tháng 11 năm 2026 đến ngày 03 tháng 11 năm 2026" in text
    assert "Tổng số: 45 hồ sơ" in text
    # The header row repeats on every page of a bound book.
    assert text.count("Cơ quan chủ trì giải quyết") == form.pages
    assert f"Trang {form.pages}" in text


def test_empty_book_says_so(tmp_path: Path) -> None:
    form = render_book(BookContext(UNIT, date(2026, 1, 1), date(2026, 1, 1), ()))
    text = pdf_text(_write(tmp_path, "b", form.pdf))
    assert "Không có hồ sơ nào trong khoảng thời gian này." in text


def test_bad_requests_are_refused_in_vietnamese() -> None:
    ctx = realistic_context()
    with pytest.raises(InvalidInput, match="giấy in nhiệt 80 mm"):
        render_form(ctx, "02", paper="thermal")
    with pytest.raises(InvalidInput, match="sổ theo dõi"):
        render_form(ctx, "07", set_id="tt03-2025")
    with pytest.raises(InvalidInput, match="Khổ giấy"):
        render_form(ctx, "01", paper="a5")
    with pytest.raises(NotFound, match="không có mẫu số 07") as exc:
        render_form(ctx, "07", set_id="tt01-2018")
    assert exc.value.hint and "01, 02, 03, 04, 05, 06" in exc.value.hint
    with pytest.raises(NotFound, match="Không có bộ biểu mẫu tt09-2030"):
        render_form(ctx, "01", set_id="tt09-2030")
    with pytest.raises(InvalidInput, match="Khoảng ngày không hợp lệ"):
        render_book(BookContext(UNIT, date(2026, 2, 1), date(2026, 1, 1), ()))


def test_same_input_same_bytes() -> None:
    # Reprints are byte-identical, so a stored receipt hash stays valid.
    ctx = realistic_context()
    assert render_form(ctx).pdf == render_form(replace(ctx)).pdf
