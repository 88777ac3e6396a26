"""The receipt as an 80 mm thermal ticket whose length follows its content.

80 mm rolls have 72 mm printable (576 dots at 203 dpi). The ticket keeps 4 mm side margins so
that the whole page is printable. The Code128 has three-dot modules (0.375 mm, so that a
photo or a scan of the ticket at 150 dpi still decodes: kiosk.forms.barcodes); a dossier
code (25 characters, 288 modules = 108 mm) is then longer than the paper is wide, so the
symbol runs down the ticket's left edge with the receipt's details and its QR code beside
it — the ticket is no longer than with a horizontal barcode. A code short enough to fit
across (192 modules at most) is printed across, as before.
"""

from __future__ import annotations

from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, HRFlowable, Paragraph, Spacer, Table, TableStyle

from kiosk.forms import fonts
from kiosk.forms.barcodes import (
    QUIET_MODULES,
    THERMAL_DOT,
    THERMAL_MODULE,
    Code128Flowable,
    QRFlowable,
)
from kiosk.forms.layout import (
    CELL_FONT,
    Built,
    draw_story_on_one_page,
    esc,
    field,
    make_styles,
    para,
)
from kiosk.forms.model import FormContext
from kiosk.forms.templates import FormTemplate, TemplateSet
from kiosk.forms.values import fee_text, label_values, qr_payload
from kiosk.forms.vnformat import format_datetime_vn, nfc, two_digits

PAPER_W = 80 * mm
SIDE = 4 * mm
WIDTH = PAPER_W - 2 * SIDE
TOP = 4 * mm
BOTTOM = 8 * mm  # room for the cutter: it sits a few mm above the print head
#: The length of the bars (across the symbol).
BAR_LENGTH = 13 * mm
#: Between a vertical symbol and the details beside it.
GUTTER = 3 * mm


def footer_key(ctx: FormContext, tpl: FormTemplate) -> str:
    if ctx.lookup_url.strip() or "thermal_footer_code" not in tpl.labels:
        return "thermal_footer"
    return "thermal_footer_code"


def receipt(tset: TemplateSet, tpl: FormTemplate, ctx: FormContext) -> tuple[Built, float,
                                                                             list[str]]:
    """The ticket, its page height in points, and warnings (none at present: a code too
    long to run across runs down the ticket by design)."""
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
    barcode = Code128Flowable(ctx.code, module=THERMAL_MODULE, height=BAR_LENGTH,
                              max_width=WIDTH, rotate=True, grid=THERMAL_DOT)
    details: list[Flowable] = [
        field(tpl.label("applicant_name"), ctx.applicant.name, st.body, bold_value=True),
        field(tpl.label("procedure"), ctx.procedure_name, st.body),
        para(tpl.label("sets", n=two_digits(ctx.sets)), st.body),
        field(tpl.label("received"), format_datetime_vn(ctx.received_at), st.body),
        field(tpl.label("due"), v["due"], st.body, bold_value=True),
        field(tpl.label("fee"), fee_text(ctx, tpl), st.body),
    ]
    if ctx.book is not None:
        details.append(para(tpl.label("book", volume=ctx.book.volume,
                                      line=two_digits(ctx.book.line)), st.body))
    details.append(field(tpl.label("return_place"), ctx.unit.address or ctx.unit.centre_name,
                         st.body))
    if ctx.clerk:
        details.append(field(tpl.label("clerk"), ctx.clerk, st.body))
    details += [
        Spacer(1, 2 * mm),
        QRFlowable(qr_payload(ctx), size=30 * mm),
        # "Scan to look it up" only when the QR holds a look-up address; else say what it holds.
        Paragraph(f"<i>{esc(tpl.label(footer_key(ctx, tpl)))}</i>",
                  ParagraphStyle("f", parent=st.small, alignment=TA_CENTER)),
    ]
    story: list[Flowable] = [
        para(ctx.unit.name.upper(), st.center),
        Paragraph(f"<b>{esc(ctx.unit.centre_name.upper())}</b>", st.center),
        HRFlowable(width="100%", thickness=0.8, spaceBefore=1 * mm, spaceAfter=1 * mm),
        Paragraph(f"<b>{esc(tpl.label('thermal_title'))}</b>",
                  ParagraphStyle("t", parent=st.center_bold, fontSize=12, leading=15)),
        para(tpl.label("counter", n=str(ctx.counter)) + " · " + format_datetime_vn(
            ctx.received_at), st.center),
        Spacer(1, 1 * mm),
        para(ctx.code, code_style),
    ]
    if barcode.rotated:
        story.append(_beside(barcode, details))
    else:
        story += [Spacer(1, 1.5 * mm), barcode, Spacer(1, 1.5 * mm), *details]
    built, height = draw_story_on_one_page(
        story, page_width=PAPER_W, side=SIDE, top=TOP, bottom=BOTTOM,
        title=f"{tpl.title} {ctx.code}", author=nfc(ctx.unit.centre_name), subject=tpl.caption,
        grid=THERMAL_DOT)
    return built, height, []


def _beside(barcode: Code128Flowable, details: list[Flowable]) -> Table:
    """The vertical symbol on the left, with its quiet zones above and below (ten modules
    each), and the details in the column beside it."""
    quiet = QUIET_MODULES * barcode.module
    left = BAR_LENGTH + GUTTER
    table = Table([[[Spacer(1, quiet), barcode, Spacer(1, quiet)], details]],
                  colWidths=[left, WIDTH - left])
    table.setStyle(TableStyle([
        CELL_FONT,
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table
