"""The tracking book (sổ theo dõi hồ sơ): one row per dossier over a date range, A4 landscape."""

from __future__ import annotations

from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from kiosk.forms import fonts
from kiosk.forms.layout import (
    Built,
    build_pdf,
    esc,
    grid_table,
    make_styles,
    national_header,
    para,
    signature_block,
)
from kiosk.forms.model import BookContext
from kiosk.forms.templates import FormTemplate, TemplateSet
from kiosk.forms.vnformat import format_date_vn, format_short_date, nfc, two_digits

PAGE_W, PAGE_H = landscape(A4)
MARGINS = (12 * mm, 10 * mm, 14 * mm, 15 * mm)
WIDTH = PAGE_W - MARGINS[1] - MARGINS[3]

#: (label key, width in mm); the remaining width goes to the procedure name.
COLUMNS: tuple[tuple[str, float], ...] = (
    ("col_no", 8), ("col_code", 45), ("col_procedure", 0), ("col_sets", 9),
    ("col_applicant", 28), ("col_contact", 24), ("col_agency", 22), ("col_received", 18),
    ("col_due", 18), ("col_sent", 18), ("col_result", 18), ("col_returned", 18),
    ("col_note", 12),
)


def _when(dt: Any) -> str:
    """Time over date, so a 18 mm column holds it on two lines without breaking the date."""
    if dt is None:
        return ""
    from kiosk.clock import to_local

    local = to_local(dt)
    return f"{local:%H:%M}<br/>{format_short_date(local)}"


def render(tset: TemplateSet, tpl: FormTemplate, book: BookContext) -> Built:
    st = make_styles(8.5)
    fixed = sum(w for _k, w in COLUMNS) * mm
    widths = [w * mm if w else WIDTH - fixed for _k, w in COLUMNS]
    head: list[Flowable] = [para(tpl.label(k), st.cell_head) for k, _w in COLUMNS]
    data: list[list[Flowable]] = [head]
    for i, row in enumerate(book.rows, 1):
        data.append([
            para(str(i), st.cell_center), para(row.code, st.cell), para(row.procedure_name,
                                                                        st.cell),
            para(two_digits(row.sets), st.cell_center), para(row.applicant_name, st.cell),
            para(row.address_phone, st.cell), para(row.lead_agency, st.cell),
            Paragraph(_when(row.received_at), st.cell_center),
            Paragraph(_when(row.due_at), st.cell_center),
            Paragraph(_when(row.sent_at), st.cell_center),
            Paragraph(_when(row.result_at), st.cell_center),
            Paragraph(_when(row.returned_at), st.cell_center),
            para(row.note, st.cell),
        ])
    values = {"centre": nfc(book.unit.centre_name), "volume": book.volume,
              "date_from": format_date_vn(book.date_from), "date_to": format_date_vn(book.date_to),
              "n": str(len(book.rows))}
    story: list[Flowable] = [
        *national_header(tset, tpl, book.unit.name, book.unit.centre_name, st, WIDTH),
        para(tpl.title, st.title),
        para(tpl.label("period", **values), st.center),
    ]
    if book.volume:
        story.append(para(tpl.label("volume", **values), st.center))
    story.append(Spacer(1, 3 * mm))
    story.append(grid_table(data, widths, repeat=True))
    if not book.rows:
        story.append(Spacer(1, 2 * mm))
        story.append(para(tpl.label("empty"), st.center))
    story.append(Spacer(1, 2 * mm))
    story.append(Paragraph(f"<b>{esc(tpl.label('total', **values))}</b>", st.body))
    story.append(signature_block([(tpl.label("sign_right"), tpl.label("sign_note"), "")], st,
                                 WIDTH * 0.35, space=18 * mm))
    story[-1].hAlign = "RIGHT"

    caption = f"{tpl.title} — {format_short_date(book.date_from)}–{format_short_date(book.date_to)}"

    def footer(canvas: Any, doc: Any) -> None:
        # Page numbers: the book is bound and audited page by page.
        canvas.saveState()
        canvas.setFont(fonts.ITALIC, 8)
        canvas.drawString(MARGINS[3], 7 * mm, nfc(caption))
        canvas.drawRightString(PAGE_W - MARGINS[1], 7 * mm, f"Trang {doc.page}")
        canvas.restoreState()

    return build_pdf(story, width=PAGE_W, height=PAGE_H, margins=MARGINS,
                     title=f"{tpl.title} {book.date_from}–{book.date_to}",
                     author=nfc(book.unit.centre_name), subject=tpl.caption, on_page=footer)
