"""The receipt as an 80 mm thermal ticket whose length follows its content.

80 mm rolls have 72 mm printable (576 dots at 203 dpi). The ticket keeps 4 mm side margins so
that the whole page is printable and the paper edge serves as the barcode's quiet zone; the
Code128 uses two-dot modules, which is exactly the printable width for a 25-character
dossier code (288 modules); a longer code is printed turned 90°, along the ticket.
"""

from __future__ import annotations

from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, HRFlowable, Paragraph, Spacer

from kiosk.forms import fonts
from kiosk.forms.barcodes import THERMAL_MODULE, Code128Flowable, QRFlowable
from kiosk.forms.layout import Built, draw_story_on_one_page, esc, field, make_styles, para
from kiosk.forms.model import FormContext
from kiosk.forms.templates import FormTemplate, TemplateSet
from kiosk.forms.values import fee_text, label_values, qr_payload
from kiosk.forms.vnformat import format_datetime_vn, nfc, two_digits

PAPER_W = 80 * mm
SIDE = 4 * mm
WIDTH = PAPER_W - 2 * SIDE
TOP = 4 * mm
BOTTOM = 8 * mm  # room for the cutter: it sits a few mm above the print head


def footer_key(ctx: FormContext, tpl: FormTemplate) -> str:
    if ctx.lookup_url.strip() or "thermal_footer_code" not in tpl.labels:
        return "thermal_footer"
    return "thermal_footer_code"


def receipt(tset: TemplateSet, tpl: FormTemplate, ctx: FormContext) -> tuple[Built, float,
                                                                             list[str]]:
    """The ticket, its page height in points, and warnings (a shrunk barcode)."""
    st = make_styles(9)
    # Justified text on a 72 mm column stretches the spaces badly: align left instead.
    st.body.alignment = TA_LEFT
    v = label_values(ctx, tpl)
    from reportlab.pdfbase.pdfmetrics import stringWidth

    # The code in words is what a clerk types when a reader fails: keep it on one line.
    code_size = min(11.0, 0.98 * WIDTH / stringWidth(ctx.code, fonts.BOLD, 1))
    code_style = ParagraphStyle("code", parent=st.center_bold, fontName=fonts.BOLD,
                                fontSize=code_size, leading=code_size * 1.3,
                                alignment=TA_CENTER)
    barcode = Code128Flowable(ctx.code, module=THERMAL_MODULE, height=13 * mm, max_width=WIDTH,
                               rotate=True)
    story: list[Flowable] = [
        para(ctx.unit.name.upper(), st.center),
        Paragraph(f"<b>{esc(ctx.unit.centre_name.upper())}</b>", st.center),
        HRFlowable(width="100%", thickness=0.8, spaceBefore=1 * mm, spaceAfter=1 * mm),
        Paragraph(f"<b>{esc(tpl.label('thermal_title'))}</b>",
                  ParagraphStyle("t", parent=st.center_bold, fontSize=12, leading=15)),
        para(tpl.label("counter", n=str(ctx.counter)) + " · " + format_datetime_vn(
            ctx.received_at), st.center),
        Spacer(1, 1.5 * mm),
        barcode,
        Spacer(1, 1 * mm),
        para(ctx.code, code_style),
        Spacer(1, 1.5 * mm),
        field(tpl.label("applicant_name"), ctx.applicant.name, st.body, bold_value=True),
        field(tpl.label("procedure"), ctx.procedure_name, st.body),
        para(tpl.label("sets", n=two_digits(ctx.sets)), st.body),
        field(tpl.label("received"), format_datetime_vn(ctx.received_at), st.body),
        field(tpl.label("due"), v["due"], st.body, bold_value=True),
        field(tpl.label("fee"), fee_text(ctx, tpl),
              st.body),
    ]
    if ctx.book is not None:
        story.append(para(tpl.label("book", volume=ctx.book.volume,
                                    line=two_digits(ctx.book.line)), st.body))
    story.append(field(tpl.label("return_place"), ctx.unit.address or ctx.unit.centre_name,
                       st.body))
    if ctx.clerk:
        story.append(field(tpl.label("clerk"), ctx.clerk, st.body))
    story += [
        Spacer(1, 2 * mm),
        QRFlowable(qr_payload(ctx), size=30 * mm),
        # "Scan to look it up" only when the QR holds a look-up address; else say what it holds.
        Paragraph(f"<i>{esc(tpl.label(footer_key(ctx, tpl)))}</i>",
                  ParagraphStyle("f", parent=st.small, alignment=TA_CENTER)),
    ]
    built, height = draw_story_on_one_page(
        story, page_width=PAPER_W, side=SIDE, top=TOP, bottom=BOTTOM,
        title=f"{tpl.title} {ctx.code}", author=nfc(ctx.unit.centre_name), subject=tpl.caption)
    warnings = []
    if barcode.rotated:
        warnings.append("barcode_rotated")
    return built, height, warnings

