"""The certification register (sổ chứng thực) for a period: A4 landscape PDF/A, one section
per book, and the same rows as XLSX (NĐ 23/2015 Art. 13: a software register is printed each
month and bound at the year's end)."""

from __future__ import annotations

import io
from datetime import date
from itertools import groupby
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from kiosk.clock import parse_iso
from kiosk.forms import fonts
from kiosk.forms.layout import Built, build_pdf, esc, grid_table, make_styles, para, signature_block
from kiosk.forms.model import UnitInfo
from kiosk.forms.vnformat import format_short_date, group_thousands, nfc

PAGE_W, PAGE_H = landscape(A4)
MARGINS = (12 * mm, 10 * mm, 14 * mm, 12 * mm)
WIDTH = PAGE_W - MARGINS[1] - MARGINS[3]
KIND_NAMES = {"copy": "Chứng thực bản sao từ bản chính",
              "signature": "Chứng thực chữ ký",
              "contract": "Chứng thực hợp đồng, giao dịch"}
#: (heading, width in mm; 0 takes what is left, the row's value)
COLUMNS: list[tuple[str, float, Any]] = [
    ("Số chứng thực", 17, lambda e: e["number_text"]),
    ("Ngày", 19, lambda e: format_short_date(parse_iso(e["at"]))),
    ("Họ tên người yêu cầu", 38, lambda e: e["requester"]),
    ("Số giấy tờ tùy thân", 27, lambda e: e.get("requester_id") or ""),
    ("Tên giấy tờ, văn bản", 0, lambda e: e["document"]),
    ("Số bản", 12, lambda e: str(e["copies"])),
    ("Số trang", 13, lambda e: str(e["pages"])),
    ("Người thực hiện chứng thực", 40, lambda e: f"{e['signer_name']} ({e['signer_title']})"),
    ("Phí, lệ phí (đồng)", 20, lambda e: group_thousands(int(e["fee"]))),
    ("Biên lai", 30, lambda e: (f"{e['receipt_series']}-{int(e['receipt_number']):07d}"
                                if e.get("receipt_number") else "")),
    ("Mã hồ sơ", 0, lambda e: e["dossier_code"]),
]


def _period(first: date, last: date) -> str:
    return f"Từ ngày {format_short_date(first)} đến ngày {format_short_date(last)}"


def render_register(entries: list[dict[str, Any]], unit: UnitInfo, first: date,
                    last: date) -> Built:
    st = make_styles(8.5)
    flexible = [i for i, (_h, w, _f) in enumerate(COLUMNS) if not w]
    rest = (WIDTH - sum(w for _h, w, _f in COLUMNS) * mm) / len(flexible)
    widths = [w * mm if w else rest for _h, w, _f in COLUMNS]
    story: list[Flowable] = []
    books = [(book, list(rows)) for book, rows in groupby(entries, key=lambda e: e["book"])]
    if not books:
        books = [("", [])]
    for n, (book, rows) in enumerate(books):
        if n:
            story.append(PageBreak())
        kind = KIND_NAMES.get(rows[0]["kind"], "") if rows else ""
        story += [para(unit.name.upper(), st.body),
                  Paragraph(f"<b>{esc(unit.centre_name.upper())}</b>", st.body),
                  para("SỔ CHỨNG THỰC" + (f" — {kind.upper()}" if kind else ""), st.title),
                  para(f"Quyển số: {book}" if book else "(Không có việc chứng thực nào)",
                       st.center_bold),
                  para(_period(first, last), st.center), Spacer(1, 3 * mm)]
        data: list[list[Any]] = [[para(h, st.cell_head) for h, _w, _f in COLUMNS]]
        for entry in rows:
            data.append([para(str(f(entry)), st.cell) for _h, _w, f in COLUMNS])
        story.append(grid_table(data, widths, repeat=True))
        total = sum(int(e["fee"]) for e in rows)
        story += [Spacer(1, 2 * mm),
                  para(f"Tổng số việc: {len(rows)}; tổng phí, lệ phí: {group_thousands(total)} "
                       "đồng.", st.body),
                  signature_block([("NGƯỜI LẬP SỔ", "(Ký, ghi rõ họ tên)", ""),
                                   ("THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)", "")], st, WIDTH,
                                  space=16 * mm)]

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(fonts.ITALIC, 8)
        canvas.drawString(MARGINS[3], 7 * mm, nfc(f"Sổ chứng thực — {_period(first, last)}"))
        canvas.drawRightString(PAGE_W - MARGINS[1], 7 * mm, f"Trang {doc.page}")
        canvas.restoreState()

    return build_pdf(story, width=PAGE_W, height=PAGE_H, margins=MARGINS,
                     title=f"Sổ chứng thực {first}–{last}", author=nfc(unit.centre_name),
                     subject="Sổ chứng thực", on_page=footer)


def register_xlsx(entries: list[dict[str, Any]], first: date, last: date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "So chung thuc"
    ws.append(["SỔ CHỨNG THỰC", _period(first, last)])
    ws.append(["Quyển số", "Loại", *[h for h, _w, _f in COLUMNS]])
    for entry in entries:
        values: list[Any] = [entry["book"], KIND_NAMES.get(entry["kind"], entry["kind"])]
        for heading, _w, fmt in COLUMNS:
            if heading == "Số chứng thực":
                values.append(int(entry["number"]))
            elif heading in ("Số bản", "Số trang", "Phí, lệ phí (đồng)"):
                values.append(int(entry[{"Số bản": "copies", "Số trang": "pages"}.get(
                    heading, "fee")]))
            elif heading == "Ngày":
                values.append(parse_iso(entry["at"]).date())
            else:
                values.append(fmt(entry))
        ws.append(values)
        ws.cell(row=ws.max_row, column=4).number_format = "DD/MM/YYYY"
    for cell in ws[1] + ws[2]:
        cell.font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
