"""Shared building blocks of the forms: styles, the national header, signature blocks.

Everything goes through platypus flowables so that long Vietnamese names and procedure titles
wrap instead of running off the page; user text is escaped because a name typed at the
counter may contain ``&`` or ``<``, which paragraph markup would otherwise swallow.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from kiosk.forms import fonts
from kiosk.forms.templates import FormTemplate, TemplateSet
from kiosk.forms.vnformat import nfc
from kiosk.pdfa import to_pdfa

#: Tables set a cell font of their own (reportlab's Helvetica, never embedded) even when
#: every cell holds a paragraph; PDF/A wants every font embedded, so name ours.
CELL_FONT = ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR)
_CELL_FONT = CELL_FONT


def esc(text: str) -> str:
    return escape(nfc(text))


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    center: ParagraphStyle
    center_bold: ParagraphStyle
    right_italic: ParagraphStyle
    title: ParagraphStyle
    caption: ParagraphStyle
    cell: ParagraphStyle
    cell_center: ParagraphStyle
    cell_head: ParagraphStyle


def make_styles(size: float = 11.0) -> Styles:
    fonts.register_fonts()
    lead = size * 1.35
    base = ParagraphStyle("body", fontName=fonts.REGULAR, fontSize=size, leading=lead,
                          alignment=TA_JUSTIFY, spaceAfter=size * 0.25)
    cell = ParagraphStyle("cell", parent=base, fontSize=size - 1, leading=(size - 1) * 1.25,
                          alignment=TA_LEFT, spaceAfter=0)
    return Styles(
        body=base,
        small=ParagraphStyle("small", parent=base, fontSize=size - 2, leading=(size - 2) * 1.3),
        center=ParagraphStyle("center", parent=base, alignment=TA_CENTER),
        center_bold=ParagraphStyle("center_bold", parent=base, alignment=TA_CENTER,
                                   fontName=fonts.BOLD),
        right_italic=ParagraphStyle("right_italic", parent=base, alignment=TA_RIGHT,
                                    fontName=fonts.ITALIC),
        title=ParagraphStyle("title", parent=base, alignment=TA_CENTER, fontName=fonts.BOLD,
                             fontSize=size + 3, leading=(size + 3) * 1.3, spaceBefore=size * 0.6,
                             spaceAfter=size * 0.6),
        caption=ParagraphStyle("caption", parent=base, alignment=TA_RIGHT,
                               fontName=fonts.ITALIC, fontSize=size - 2, leading=size),
        cell=cell,
        cell_center=ParagraphStyle("cell_center", parent=cell, alignment=TA_CENTER),
        cell_head=ParagraphStyle("cell_head", parent=cell, alignment=TA_CENTER,
                                 fontName=fonts.BOLD),
    )


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped)."""
    return Paragraph(esc(text), style)


def field(label: str, value: str, style: ParagraphStyle, *, bold_value: bool = False) -> Paragraph:
    """``Label: value`` with the label in bold (or the value, for what the citizen must see)."""
    if bold_value:
        return Paragraph(f"{esc(label)}: <b>{esc(value)}</b>", style)
    return Paragraph(f"<b>{esc(label)}:</b> {esc(value)}", style)


def national_header(tset: TemplateSet, tpl: FormTemplate, unit_name: str, centre: str,
                    st: Styles, width: float, number_line: str = "") -> list[Flowable]:
    """Caption, then the two-column header every administrative document carries."""
    left: list[Flowable] = [para(unit_name.upper(), st.center),
                            Paragraph(f"<b>{esc(centre.upper())}</b>", st.center)]
    if number_line:
        left.append(para(number_line, st.center))
    right = [Paragraph(f"<b>{esc(tset.nation)}</b>", st.center),
             Paragraph(f"<b><u>{esc(tset.motto)}</u></b>", st.center)]
    table = Table([[left, right]], colWidths=[width * 0.42, width * 0.58])
    table.setStyle(TableStyle([
        _CELL_FONT,
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]))
    return [para(tpl.caption, st.caption), table]


def signature_block(columns: Sequence[tuple[str, str, str]], st: Styles, width: float,
                    space: float = 22 * mm) -> Table:
    """Side-by-side signature boxes: (title, note, printed name) for each signer."""
    cells = []
    for title, note, name in columns:
        cells.append([
            Paragraph(f"<b>{esc(title)}</b>", st.center),
            Paragraph(f"<i>{esc(note)}</i>", st.center),
            Spacer(1, space),
            Paragraph(f"<b>{esc(name)}</b>", st.center) if name else Spacer(1, 1),
        ])
    n = len(columns)
    table = Table([cells], colWidths=[width / n] * n)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), _CELL_FONT]))
    return table


def grid_table(rows: list[list[Any]], widths: list[float], *, header_rows: int = 1,
               repeat: bool = False) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=header_rows if repeat else 0)
    table.setStyle(TableStyle([
        _CELL_FONT,
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#EEEEEE")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


@dataclass(frozen=True)
class Built:
    pdf: bytes
    pages: int


def build_pdf(story: list[Flowable], *, width: float, height: float, margins: tuple[
        float, float, float, float], title: str, author: str, subject: str,
        on_page: Any = None) -> Built:
    """Lay ``story`` out on pages of ``width`` × ``height`` points.

    ``margins`` are (top, right, bottom, left). The frame has no padding, so the margins are
    exactly what the caller asked for (the thermal ticket depends on that for its width).
    """
    top, right, bottom, left = margins
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=(width, height), leftMargin=left, rightMargin=right, topMargin=top,
        bottomMargin=bottom, title=nfc(title), author=nfc(author), subject=subject,
        creator="kiosk", invariant=True, initialFontName=fonts.REGULAR,
    )
    frame = Frame(left, bottom, width - left - right, height - top - bottom, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page or _noop)])
    from reportlab.platypus.doctemplate import LayoutError

    try:
        doc.build(story)
    except LayoutError:
        # One block taller than a page: a text no clerk typed (the edges bound every
        # field), or one stored long ago. Say so instead of failing the whole command.
        from kiosk.errors import InvalidInput
        from kiosk.i18n import _

        raise InvalidInput(_("Không dàn trang được «{title}»: có một nội dung dài hơn một "
                             "trang giấy.", title=nfc(title)),
                           hint=_("Rút ngắn ghi chú, lý do hoặc danh mục giấy tờ rồi in lại."),
                           ) from None
    return Built(to_pdfa(buf.getvalue()), doc.page)


def _noop(canvas: Any, doc: Any) -> None:
    return None


def story_height(story: list[Flowable], width: float) -> float:
    """Height the story takes in a frame of ``width`` (for pages that grow with content)."""
    total = 0.0
    for i, flowable in enumerate(story):
        _w, h = flowable.wrap(width, 1e6)
        total += h + flowable.getSpaceAfter()
        if i:  # a frame drops the space before its first flowable
            total += flowable.getSpaceBefore()
    return total


def draw_story_on_one_page(story: list[Flowable], *, page_width: float, side: float,
                           top: float, bottom: float, title: str, author: str,
                           subject: str, grid: float | None = None) -> tuple[Built, float]:
    """Draw ``story`` on one page exactly as tall as it needs (the thermal ticket).

    Wraps each flowable once and places it directly: measuring with platypus and then
    building a document wrapped every paragraph twice, a third of a ticket's render time.
    ``grid`` (the printer's dot, points): the height is rounded up to whole dots, so a
    position on the dot grid counted from the bottom is on it from the top, where the
    printer starts.
    """
    from reportlab.pdfgen.canvas import Canvas

    width = page_width - 2 * side
    placed: list[tuple[Flowable, float, float, float, float]] = []
    total = 0.0
    for i, flowable in enumerate(story):
        w, h = flowable.wrap(width, 1e6)
        before = flowable.getSpaceBefore() if i else 0.0
        after = flowable.getSpaceAfter()
        placed.append((flowable, w, h, before, after))
        total += before + h + after
    height = top + bottom + total
    if grid:
        height = math.ceil(round(height / grid, 6)) * grid
    buf = io.BytesIO()
    canv = Canvas(buf, pagesize=(page_width, height), invariant=True,
                  initialFontName=fonts.REGULAR)
    canv.setTitle(nfc(title))
    canv.setAuthor(nfc(author))
    canv.setSubject(subject)
    canv.setCreator("kiosk")
    y = height - top
    for flowable, w, h, before, after in placed:
        y -= before + h
        align = getattr(flowable, "hAlign", "LEFT")
        x = side + ((width - w) / 2 if align in ("CENTER", "CENTRE") else
                    (width - w) if align == "RIGHT" else 0.0)
        flowable.drawOn(canv, x, y)
        y -= after
    canv.showPage()
    canv.save()
    return Built(to_pdfa(buf.getvalue()), 1), height
