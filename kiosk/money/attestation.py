"""The attestation (lời chứng) printed on every certified copy: a stamp block with the
wording, the register number and book, the date, and the certifying person's title and name,
with room for the signature and the seal.

For a copy it goes on the last page of each copy of the scanned document (NĐ 23/2015
Art. 20: on the last page when there are several); with ``certify.stamp = slip``, or when
nothing was scanned, each copy gets a separate slip instead. The text is in the bundled Be
Vietnam Pro (embedded), and the result is PDF/A-2b like every PDF the counter writes.
The wording and the number line are the unit's settings ([M]: ``certify.attestation_*``,
``certify.number_line``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.errors import InvalidInput
from kiosk.forms.vnformat import format_date_vn, nfc
from kiosk.i18n import _

MM = 72 / 25.4
BLOCK_W = 84 * MM
MARGIN = 10 * MM


@dataclass(frozen=True)
class Attestation:
    wording: str
    number_line: str
    date_line: str
    signer_title: str
    signer_name: str

    def lines(self) -> list[str]:
        return [self.wording, self.number_line, self.date_line, self.signer_title,
                self.signer_name]


def attestation_for(config: Any, kind: str, book: str, number: str, at: datetime,
                    signer_title: str, signer_name: str) -> Attestation:
    date_text = format_date_vn(at)
    return Attestation(
        wording=str(config.get(f"certify.attestation_{kind}")),
        number_line=str(config.get("certify.number_line")).format(number=number, book=book),
        date_line=date_text[0].upper() + date_text[1:],
        signer_title=signer_title.upper(), signer_name=signer_name)


def _story(att: Attestation, width: float) -> list[Any]:
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Spacer

    from kiosk.forms import fonts
    from kiosk.forms.layout import esc

    fonts.register_fonts()
    base = ParagraphStyle("stamp", fontName=fonts.REGULAR, fontSize=9.5, leading=12,
                          alignment=TA_CENTER)
    bold = ParagraphStyle("stamp_b", parent=base, fontName=fonts.BOLD)
    italic = ParagraphStyle("stamp_i", parent=base, fontName=fonts.ITALIC)
    return [Paragraph(f"<b>{esc(att.wording)}</b>", bold),
            Paragraph(esc(att.number_line), base), Paragraph(esc(att.date_line), italic),
            Spacer(1, 1.5 * MM), Paragraph(f"<b>{esc(att.signer_title)}</b>", bold),
            Paragraph(esc("(Ký, đóng dấu)"), italic), Spacer(1, 16 * MM),
            Paragraph(f"<b>{esc(att.signer_name)}</b>", bold)]


def draw_block(canvas: Any, att: Attestation, right: float, bottom: float,
               width: float = BLOCK_W) -> float:
    """Draw the block with its lower right corner at (right, bottom); returns its height."""
    pad = 3 * MM
    story = _story(att, width - 2 * pad)
    heights = [f.wrap(width - 2 * pad, 1e6)[1] for f in story]
    height = sum(heights) + 2 * pad
    x, y = right - width, bottom
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setStrokeColorRGB(0.1, 0.1, 0.1)
    canvas.setLineWidth(0.8)
    canvas.rect(x, y, width, height, stroke=1, fill=1)
    canvas.restoreState()
    top = y + height - pad
    for flowable, h in zip(story, heights, strict=True):
        top -= h
        flowable.drawOn(canvas, x + pad, top)
    return height


def _overlay(att: Attestation, page_w: float, page_h: float) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    from kiosk.forms import fonts

    fonts.register_fonts()
    buf = io.BytesIO()
    canv = Canvas(buf, pagesize=(page_w, page_h), invariant=True,
                  initialFontName=fonts.REGULAR)
    width = min(BLOCK_W, page_w - 2 * MARGIN)
    draw_block(canv, att, page_w - MARGIN, MARGIN, width)
    canv.showPage()
    canv.save()
    return buf.getvalue()


def slip(att: Attestation, *, title: str = "") -> bytes:
    """One A5 slip holding the block (a copy with no scan, or ``certify.stamp = slip``)."""
    from reportlab.lib.pagesizes import A5
    from reportlab.pdfgen.canvas import Canvas

    from kiosk.forms import fonts

    fonts.register_fonts()
    buf = io.BytesIO()
    canv = Canvas(buf, pagesize=A5, invariant=True, initialFontName=fonts.REGULAR)
    canv.setTitle(nfc(title or att.number_line))
    canv.setAuthor("kiosk")
    if title:
        canv.setFont(fonts.BOLD, 11)
        canv.drawCentredString(A5[0] / 2, A5[1] - 20 * MM, nfc(title))
    draw_block(canv, att, A5[0] - (A5[0] - BLOCK_W) / 2, A5[1] / 2 - 30 * MM)
    canv.showPage()
    canv.save()
    return buf.getvalue()


def certified_copies(scan: bytes | None, att: Attestation, copies: int, *,
                     on_page: bool = True, title: str = "") -> bytes:
    """Every copy to hand over, as one PDF/A-2b: the scanned pages with the block on each
    copy's last page, or a slip per copy."""
    import pikepdf

    from kiosk.pdfa import to_pdfa

    if copies < 1:
        raise InvalidInput(_("Số bản phải từ 1 trở lên."), field="copies")
    out = pikepdf.new()
    try:
        if scan is None or not on_page:
            sheet = pikepdf.Pdf.open(io.BytesIO(slip(att, title=title)))
            for _copy in range(copies):
                out.pages.append(sheet.pages[0])
        else:
            source = pikepdf.Pdf.open(io.BytesIO(scan))
            if not source.pages:
                raise InvalidInput(_("Tệp bản sao không có trang nào."), field="attach")
            last = source.pages[-1]
            box = [float(v) for v in last.mediabox]
            stamp = pikepdf.Pdf.open(io.BytesIO(_overlay(att, box[2] - box[0], box[3] - box[1])))
            last.add_overlay(stamp.pages[0], pikepdf.Rectangle(*box))
            for _copy in range(copies):
                out.pages.extend(source.pages)
        buf = io.BytesIO()
        out.save(buf)
    finally:
        out.close()
    return to_pdfa(buf.getvalue())
