"""The separator sheet for one-pass scanning (see ``kiosk.devices.barcode.separator``).

PDF/A-2b like every PDF the counter writes: the bundled font only (the canvas's initial
font too, else every page names an unembedded Helvetica), XMP identification and the sRGB
output intent added by :func:`kiosk.pdfa.to_pdfa`."""

from __future__ import annotations

from io import BytesIO

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from kiosk.devices.barcode.separator import SEPARATOR_TEXT
from kiosk.forms import fonts
from kiosk.forms.barcodes import Code128Flowable
from kiosk.pdfa import to_pdfa


def separator_pdf() -> bytes:
    """One A4 page: a large Code128 and what the sheet is for, in words."""
    fonts.register_fonts()
    out = BytesIO()
    width, height = A4
    canvas = Canvas(out, pagesize=A4, invariant=True, initialFontName=fonts.REGULAR)
    canvas.setTitle("Tờ ngăn cách hồ sơ")
    canvas.setCreator("kiosk")
    canvas.setFont(fonts.BOLD, 28)
    canvas.drawCentredString(width / 2, height - 60 * mm, "TỜ NGĂN CÁCH GIẤY TỜ")
    canvas.setFont(fonts.REGULAR, 13)
    for i, line in enumerate((
            "Đặt tờ này giữa hai giấy tờ khi quét cả bộ hồ sơ qua khay nạp.",
            "Phần mềm bắt đầu giấy tờ tiếp theo sau tờ này; tờ này không vào hồ sơ.",
            "In lại bằng: kiosk separator --out to-ngan-cach.pdf")):
        canvas.drawCentredString(width / 2, height - (75 + 8 * i) * mm, line)
    code = Code128Flowable(SEPARATOR_TEXT, module=0.6 * mm, height=35 * mm,
                           max_width=width - 30 * mm)
    w, h = code.wrap(width - 30 * mm, 60 * mm)
    code.drawOn(canvas, (width - w) / 2, height / 2 - h)
    canvas.setFont(fonts.REGULAR, 11)
    canvas.drawCentredString(width / 2, height / 2 - h - 8 * mm, SEPARATOR_TEXT)
    canvas.showPage()
    canvas.save()
    return to_pdfa(out.getvalue())
