"""The summary as JSON, as the statistics form in PDF (A4 landscape) and as XLSX.

All three carry the same numbers: the PDF and the workbook are drawn from the JSON dict
itself, shares printed as percentages with two decimals (the JSON keeps four places).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

#: (JSON path, column heading) of the form's numeric columns, in order.
COLUMNS: list[tuple[str, str]] = [
    ("received.total", "Tổng số"),
    ("received.carried_over", "Kỳ trước chuyển qua"),
    ("received.new", "Mới tiếp nhận"),
    ("received.online", "Trực tuyến"),
    ("received.direct", "Trực tiếp"),
    ("received.postal", "Bưu chính"),
    ("received.other", "Khác"),
    ("resolved.total", "Tổng số"),
    ("resolved.early", "Trước hạn"),
    ("resolved.on_time", "Đúng hạn"),
    ("resolved.late", "Quá hạn"),
    ("pending.total", "Tổng số"),
    ("pending.not_due", "Chưa đến hạn"),
    ("pending.overdue", "Quá hạn"),
    ("returned", "Đã trả kết quả"),
    ("late_with_apology", "Quá hạn có xin lỗi"),
    ("digitised", "Số hoá"),
]
#: Column groups of the form's two-row header: (title, first column, last column).
GROUPS = [("Số hồ sơ nhận giải quyết", 0, 6), ("Số hồ sơ đã giải quyết", 7, 10),
          ("Số hồ sơ đang giải quyết", 11, 13), ("Theo dõi thêm", 14, 16)]
#: The lines under the table: (JSON key, label); shares are printed as percentages.
TOTAL_LINES: list[tuple[str, str]] = [
    ("received.back_entered", "Hồ sơ nhập bù từ sổ giấy"),
    ("closed_without_result", "Hồ sơ kết thúc không có kết quả (từ chối, rút, dừng)"),
    ("supplement.requested", "Lượt yêu cầu bổ sung (tạm dừng tính thời hạn)"),
    ("supplement.awaiting", "Hồ sơ đang chờ bổ sung cuối kỳ"),
    ("online_share", "Tỷ lệ hồ sơ trực tuyến"),
    ("digitised_share", "Tỷ lệ hồ sơ được số hoá"),
    ("on_time_rate", "Tỷ lệ giải quyết đúng hạn (gồm trước hạn)"),
]
SHARES = ("online_share", "digitised_share", "on_time_rate")


def value(report: dict[str, Any], path: str) -> Any:
    node: Any = report
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def percent(share: float | None) -> str:
    """0.2222 → ``22,22 %`` (Vietnamese decimal comma); no new dossier → ``—``."""
    if share is None:
        return "—"
    return f"{share * 100:.2f}".replace(".", ",") + " %"


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=1) + "\n"


def write_atomic(path: Path, data: bytes) -> None:
    from kiosk.output_file import write_atomic as _atomic

    _atomic(path, data)


def _rows(report: dict[str, Any]) -> list[tuple[str, str, str, list[Any]]]:
    """(STT, code, name, numbers) for each procedure, then the total line."""
    rows = [(str(i), p["code"], p["name"], [value(p, k) for k, _h in COLUMNS])
            for i, p in enumerate(report.get("by_procedure", []), start=1)]
    rows.append(("", "", "Tổng cộng", [value(report, k) for k, _h in COLUMNS]))
    return rows


# --- PDF ----------------------------------------------------------------------------------

def to_pdf(report: dict[str, Any], config: Any = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        PageTemplate,
        Paragraph,
        Spacer,
        Table,
        TableStyle,
    )

    from kiosk.forms import fonts
    from kiosk.forms.layout import esc, make_styles, para
    from kiosk.forms.vnformat import nfc

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
    # A table sets its cells' font even around paragraphs: name ours, or it is Helvetica.
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("FONT", (0, 0), (-1, -1), fonts.REGULAR, 9)]))
    story.append(head)
    story.append(Paragraph(
        "<b>TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH</b>", st.title))
    story.append(para(f"Kỳ báo cáo: từ ngày {_vn_date(report['from'])} đến ngày "
                      f"{_vn_date(report['to'])} — Đơn vị: {report.get('unit', '')}", st.center))
    story.append(Spacer(1, 3 * mm))

    head1: list[Any] = [Paragraph("<b>TT</b>", st.cell_head),
                        Paragraph("<b>Mã thủ tục</b>", st.cell_head),
                        Paragraph("<b>Lĩnh vực, thủ tục</b>", st.cell_head)]
    head2: list[Any] = ["", "", ""]
    for title, first, last in GROUPS:
        head1 += [Paragraph(f"<b>{esc(title)}</b>", st.cell_head)] + [""] * (last - first)
    from reportlab.lib.styles import ParagraphStyle

    small = ParagraphStyle("colhead", parent=st.cell_center, fontSize=7, leading=8.2)
    head2 += [Paragraph(esc(h), small) for _k, h in COLUMNS]
    body: list[list[Any]] = [head1, head2]
    for stt, code, name, numbers in _rows(report):
        body.append([stt, code, Paragraph(esc(name), st.cell)] + [str(n) for n in numbers])
    num_w = (width - 9 * mm - 19 * mm - 54 * mm) / len(COLUMNS)
    table = Table(body, colWidths=[9 * mm, 19 * mm, 54 * mm] + [num_w] * len(COLUMNS),
                  repeatRows=2)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("FONT", (0, 0), (-1, -1), fonts.REGULAR, 8.5),
        ("FONT", (0, -1), (-1, -1), fonts.BOLD, 8.5),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (3, 2), (-1, -1), "CENTER"),
        ("ALIGN", (0, 2), (0, -1), "CENTER"),
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
        shown = percent(number) if key in SHARES else str(number)
        story.append(para(f"{label}: {shown}", st.body))
    from kiosk.forms.layout import signature_block

    signs = signature_block([("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)", ""),
                             ("THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)", "")], st, width,
                            space=16 * mm)
    signs.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), fonts.REGULAR, 9)]))
    story.append(signs)

    def first_font(canvas: Any, _doc: Any) -> None:
        # Before anything is drawn: no page may reference reportlab's unembedded Helvetica.
        canvas.setFont(fonts.REGULAR, 9)
        canvas.saveState()
        canvas.setFont(fonts.ITALIC, 7.5)
        canvas.drawRightString(page_w - margin, 6 * mm, f"Trang {canvas.getPageNumber()}")
        canvas.restoreState()

    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=(page_w, page_h), leftMargin=margin,
                          rightMargin=margin, topMargin=margin, bottomMargin=margin,
                          title=nfc("Tình hình, kết quả giải quyết TTHC"), author=nfc(centre),
                          creator="kiosk", invariant=True, initialFontName=fonts.REGULAR,
                          initialFontSize=9)
    frame = Frame(margin, margin, width, page_h - 2 * margin, id="body", leftPadding=0,
                  rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=first_font)])
    doc.build(story)
    return buf.getvalue()


def _vn_date(iso_day: str) -> str:
    year, month, day = iso_day.split("-")
    return f"{day}/{month}/{year}"


# --- XLSX ---------------------------------------------------------------------------------

def to_xlsx(report: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Tong hop"
    ws.append(["TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"])
    ws.append(["Từ ngày", report["from"], "Đến ngày", report["to"], "Đơn vị",
               report.get("unit", "")])
    group_row: list[Any] = ["", "", ""]
    for title, first, last in GROUPS:
        group_row += [title] + [""] * (last - first)
    ws.append(group_row)
    ws.append(["STT", "Mã thủ tục", "Thủ tục"] + [h for _k, h in COLUMNS])
    ws.append(["", "", "(khoá JSON)"] + [k for k, _h in COLUMNS])
    for stt, code, name, numbers in _rows(report):
        ws.append([int(stt) if stt else None, code, name] + [int(n) for n in numbers])
    ws.append([])
    for key, label in TOTAL_LINES:
        number = value(report, key)
        ws.append([None, key, label, number])
        if key in SHARES and number is not None:
            ws.cell(row=ws.max_row, column=4).number_format = "0.00%"
    for cell in ws[1]:
        cell.font = Font(bold=True, size=13)
    for row in (3, 4):
        for cell in ws[row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, horizontal="center")
    for _title, first, last in GROUPS:
        ws.merge_cells(start_row=3, start_column=4 + first, end_row=3, end_column=4 + last)
    ws.column_dimensions["C"].width = 45
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
