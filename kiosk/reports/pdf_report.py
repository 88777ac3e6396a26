"""The statistics report as a PDF/A-2b document (A4 landscape), drawn from the JSON dict.

The official form's layout: national header, one row per procedure with received, resolved
and pending counts, a total row, the other figures and shares, then the citizen screen's
satisfaction and queue tables and the signature blocks. Only the bundled font is used (every
table names it, else reportlab puts an unembedded Helvetica in the cells).

Column headings are narrow: they wrap at spaces only, never inside a word (a Vietnamese word
is one syllable, and «chuy ển» reads as two), and their font shrinks until the longest
word fits its column.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kiosk.reports.citizen_tables import Table as CitizenTable
from kiosk.reports.citizen_tables import citizen_tables, shown
from kiosk.reports.export import (
    COLUMNS,
    GROUPS,
    SHARES,
    TOTAL_LINES,
    judged_text,
    percent,
    rows,
    value,
)

#: Horizontal padding inside a heading cell, points (reportlab's default is 6).
HEAD_PADDING = 1.5


def fitting_size(texts: Iterable[str], width: float, font: str, largest: float,
                 smallest: float = 5.5) -> float:
    """The largest font size (0.25 pt steps) at which every word of ``texts`` fits in
    ``width`` points; ``smallest`` when even that is too wide (a word then overflows its
    cell, it is still never cut)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    words = [w for text in texts for w in text.split()]
    size = largest
    while size > smallest:
        if all(stringWidth(w, font, size) <= width for w in words):
            return size
        size -= 0.25
    return smallest


def heading_style(name: str, texts: Iterable[str], width: float, largest: float) -> Any:
    """A centred bold style for column headings that never splits a word."""
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    from kiosk.forms import fonts

    size = fitting_size(texts, width, fonts.BOLD, largest)
    return ParagraphStyle(name, fontName=fonts.BOLD, fontSize=size, leading=size * 1.18,
                          alignment=TA_CENTER, splitLongWords=0)


def to_pdf(report: dict[str, Any], config: Any = None,
           service_names: dict[str, str] | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from kiosk.forms import fonts
    from kiosk.forms.layout import build_pdf, esc, make_styles, para, signature_block

    st = make_styles(9.5)
    page_w, page_h = landscape(A4)
    margin = 12 * mm
    width = page_w - 2 * margin
    unit_name = str(config.get("unit.name")) if config is not None else ""
    centre = str(config.get("unit.centre_name")) if config is not None else ""
    story: list[Any] = []
    head = Table([[
        [para(unit_name.upper(), st.center), Paragraph(f"<b>{esc(centre.upper())}</b>",
                                                       st.center)],
        [Paragraph("<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>", st.center),
         Paragraph("<b><u>Độc lập - Tự do - Hạnh phúc</u></b>", st.center)],
    ]], colWidths=[width * 0.4, width * 0.6])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("FONT", (0, 0), (-1, -1), fonts.REGULAR, 9)]))
    story.append(head)
    story.append(Paragraph(
        "<b>TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH</b>", st.title))
    story.append(para(f"Kỳ báo cáo: từ ngày {_vn_date(report['from'])} đến ngày "
                      f"{_vn_date(report['to'])} — Đơn vị: {report.get('unit', '')}", st.center))
    story.append(para("Hồ sơ đang giải quyết (chưa đến hạn, quá hạn) tính đến "
                      f"{judged_text(report)}.", st.center))
    story.append(Spacer(1, 3 * mm))

    fixed = [9 * mm, 19 * mm, 50 * mm]
    num_w = (width - sum(fixed)) / len(COLUMNS)
    col_style = heading_style("colhead", (h for _k, h in COLUMNS), num_w - 2 * HEAD_PADDING,
                              7.5)
    first_style = heading_style("head", ["TT", "Mã thủ tục", "Lĩnh vực, thủ tục"],
                                fixed[0] - 2 * HEAD_PADDING, 8.5)
    group_style = heading_style("group", (t for t, a, b in GROUPS),
                                min((b - a + 1) * num_w for _t, a, b in GROUPS)
                                - 2 * HEAD_PADDING, 8.5)
    head1: list[Any] = [Paragraph(esc(h), first_style)
                        for h in ("TT", "Mã thủ tục", "Lĩnh vực, thủ tục")]
    head2: list[Any] = ["", "", ""]
    for title, first, last in GROUPS:
        head1 += [Paragraph(esc(title), group_style)] + [""] * (last - first)
    head2 += [Paragraph(esc(h), col_style) for _k, h in COLUMNS]
    body: list[list[Any]] = [head1, head2]
    for stt, code, name, numbers in rows(report):
        body.append([stt, code, Paragraph(esc(name), st.cell)] + [str(n) for n in numbers])
    table = Table(body, colWidths=fixed + [num_w] * len(COLUMNS), repeatRows=2)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("FONT", (0, 0), (-1, -1), fonts.REGULAR, 8.5),
        ("FONT", (0, -1), (-1, -1), fonts.BOLD, 8.5),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (3, 2), (-1, -1), "CENTER"),
        ("ALIGN", (0, 2), (0, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, 1), HEAD_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, 1), HEAD_PADDING),
        ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#EEEEEE")),
        ("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1)), ("SPAN", (2, 0), (2, 1)),
    ]
    for _title, first, last in GROUPS:
        style.append(("SPAN", (3 + first, 0), (3 + last, 0)))
    table.setStyle(TableStyle(style))
    story.append(table)
    story.append(Spacer(1, 4 * mm))
    for key, label in TOTAL_LINES:
        number = value(report, key)
        text = percent(number) if key in SHARES else str(number if number is not None else 0)
        story.append(para(f"{label}: {text}", st.body))
    for extra in citizen_tables(report, service_names):
        story += [Spacer(1, 4 * mm), *_citizen_table(extra, st, width)]
    story.append(Spacer(1, 4 * mm))
    signs = signature_block([("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)", ""),
                             ("THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)", "")], st, width,
                            space=16 * mm)
    signs.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), fonts.REGULAR, 9)]))
    story.append(signs)

    def page_number(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(fonts.ITALIC, 7.5)
        canvas.drawRightString(page_w - margin, 6 * mm, f"Trang {canvas.getPageNumber()}")
        canvas.restoreState()

    built = build_pdf(story, width=page_w, height=page_h,
                      margins=(margin, margin, margin, margin),
                      title="Tình hình, kết quả giải quyết TTHC", author=centre,
                      subject=f"{report['from']} – {report['to']}", on_page=page_number)
    return built.pdf


def _citizen_table(table: CitizenTable, st: Any, width: float) -> list[Any]:
    """Title, the table (first column wide, numbers narrow), then its notes."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    from kiosk.forms import fonts
    from kiosk.forms.layout import esc, para

    n = len(table.headings)
    first = min(110 * mm, width * 0.45)
    other = min(32 * mm, (width - first) / max(1, n - 1))
    widths = [first] + [other] * (n - 1)
    head = heading_style("ctab", table.headings[1:], other - 2 * HEAD_PADDING, 8.5)
    cells: list[list[Any]] = [[Paragraph(f"<b>{esc(table.headings[0])}</b>", st.cell)]
                              + [Paragraph(esc(h), head) for h in table.headings[1:]]]
    for row in table.rows:
        cells.append([Paragraph(esc(str(row[0])), st.cell)]
                     + [shown(v) for v in row[1:]])
    grid = Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
    grid.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("FONT", (0, 0), (-1, -1), fonts.REGULAR, 8.5),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 1), (-1, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, 0), HEAD_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, 0), HEAD_PADDING),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
    ]))
    out: list[Any] = [KeepTogether([Paragraph(f"<b>{esc(table.title)}</b>", st.body), grid]),
                      Spacer(1, 1.5 * mm)]
    out += [para(f"{label}: {shown(number)}", st.small) for label, number in table.notes]
    out += [para(text, st.small) for text in table.remarks]
    return out


def _vn_date(iso_day: str) -> str:
    year, month, day = iso_day.split("-")
    return f"{day}/{month}/{year}"
