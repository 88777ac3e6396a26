"""PDF/A-2b structure of every PDF the kiosk makes, before and after signing.

No full validator (veraPDF) installs from this project's registries; these checks follow
its rules for what our files contain (tests/pdfa_checks.py): identification in XMP, an sRGB
output intent, every font embedded (pdffonts), no encryption/JavaScript/LZW/embedded files,
no CMYK, annotations printable. The report PDF and the postal list are checked in
tests/reports/test_summary.py, outside PDFs in tests/signing/test_outside_pdf.py.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pikepdf
import pytest

from kiosk.forms import BookContext, render_book, render_form
from kiosk.pdfa import pdfa_problems, srgb_icc
from tests.forms.helpers import decode, rasterize, realistic_context
from tests.pdfa_checks import assert_pdfa_2b
from tests.signing.conftest import Pki
from tests.signing.helpers import scan_pdf
from tests.signing.pki import USER_PIN
from tests.signing.test_cli import configured, kiosk  # noqa: F401 - the fixture

FORMS = [("01", "a4"), ("01", "thermal"), ("02", "a4"), ("03", "a4"), ("04", "a4"),
         ("05", "a4"), ("06", "a4")]


def _structure(data: bytes) -> None:
    assert_pdfa_2b(data)


@pytest.mark.parametrize(("form", "paper"), FORMS)
def test_printed_forms_are_pdfa_2b(form: str, paper: str) -> None:
    _structure(render_form(realistic_context(), form, paper=paper).pdf)


def test_tracking_book_is_pdfa_2b() -> None:
    book = BookContext(unit=realistic_context().unit, date_from=date(2026, 11, 23),
                       date_to=date(2026, 11, 23), rows=())
    _structure(render_book(book).pdf)


def test_separator_sheet_is_pdfa_2b_and_still_decodes(tmp_path: Path) -> None:
    from kiosk.cli import main
    from kiosk.devices.barcode.separator import SEPARATOR_TEXT

    out = tmp_path / "to-ngan-cach.pdf"
    assert main(["separator", "--out", str(out)]) == 0
    _structure(out.read_bytes())
    assert decode(rasterize(out, 150)[0]).get("Code128") == [SEPARATOR_TEXT]


def test_queue_ticket_is_pdfa_2b() -> None:
    from kiosk.citizen.ticket import render_ticket

    pdf, _height = render_ticket({"label": "A1-07", "service": "A", "serviceName":
                                  "Tiếp nhận hồ sơ", "taken_at": "2026-11-25T08:00:00+07:00",
                                  "ahead": 2}, "UBND xã Mẫu", "Trung tâm phục vụ hành chính công")
    _structure(pdf)


@pytest.mark.parametrize("mrc", [False, True])
def test_component_pdfs_are_pdfa_2b(mrc: bool) -> None:
    _structure(scan_pdf("Tờ khai", pages=2, mrc=mrc))


def test_a_file_that_is_not_pdfa_is_reported() -> None:
    pdf = pikepdf.Pdf.new()
    pdf.add_blank_page()
    buf = io.BytesIO()
    pdf.save(buf)
    problems = pdfa_problems(buf.getvalue())
    assert any("pdfaid" in p for p in problems) and any("output intent" in p for p in problems)


def test_signed_receipt_and_letter_via_forms_sign(configured: Pki, tmp_path: Path  # noqa: F811
                                                  ) -> None:
    scan = tmp_path / "tk.pdf"
    scan.write_bytes(scan_pdf("Tờ khai"))
    r = kiosk("dossier", "new", "--procedure", "1.001193", "--name", "Đinh Thị Huyền",
              "--attach", f"TK={scan}", pin=USER_PIN)
    assert r.returncode == 0, r.stderr
    code = json.loads(r.stdout)["code"]
    assert kiosk("config", "set", "forms.sign", "true").returncode == 0
    outputs = {"01": ("--form", "01"),
               "04": ("--form", "04", "--reason", "Chờ xác minh", "--new-due",
                      "2026-12-30T10:00"),
               "02": ("--form", "02", "--item", "Bản sao giấy chứng sinh")}
    for number, extra in outputs.items():
        out = tmp_path / f"mau-{number}.pdf"
        r = kiosk("form", code, *extra, "--paper", "a4", "--out", str(out), pin=USER_PIN)
        assert r.returncode == 0, r.stderr
        result = json.loads(r.stdout)
        v = kiosk("verify", str(out), "--trust", str(configured.ca_pem))
        verdict = json.loads(v.stdout)
        assert verdict["pdfa"] is True
        if number in ("01", "04"):
            assert result["signing"]["signed"] is True
            assert v.returncode == 0 and verdict["valid"]
            _structure(out.read_bytes())
        else:  # only receipts and letters are signed
            assert "signing" not in result and verdict["signed"] is False
    # No PIN: the receipt is still written, unsigned, and the reason given.
    out = tmp_path / "no-pin.pdf"
    r = kiosk("form", code, "--out", str(out), "--paper", "a4")
    assert r.returncode == 0 and out.exists()
    assert json.loads(r.stdout)["signing"]["reason"] == "no_pin"
    assert "Chưa ký số" in r.stderr


def test_the_srgb_profile_is_a_v2_display_profile_littlecms_reads_as_srgb() -> None:
    from PIL import Image, ImageCms

    data = srgb_icc()
    assert srgb_icc() is data and len(data) == int.from_bytes(data[:4], "big")
    profile = ImageCms.ImageCmsProfile(io.BytesIO(data))
    assert profile.profile.version == 2.1
    assert profile.profile.device_class == "mntr" and profile.profile.xcolor_space == "RGB "
    builtin = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    ramp = Image.new("RGB", (256, 3))
    for x in range(256):
        for y, colour in enumerate(((x, 0, 0), (0, x, 0), (x, x // 2, 255 - x))):
            ramp.putpixel((x, y), colour)
    out = ImageCms.applyTransform(ramp, ImageCms.buildTransform(
        profile, builtin, "RGB", "RGB", renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC))
    assert out.tobytes() == ramp.tobytes()
