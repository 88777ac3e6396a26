"""The clerk's cash book for one day (sổ thu phí, lệ phí) and the list handed over with the
cash ("Nộp tiền"): every receipt, voids and exemptions included, refunds, totals by method,
and each handover with the amount counted. A4 landscape, PDF/A-2b.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from kiosk.clock import parse_iso
from kiosk.forms import fonts
from kiosk.forms.layout import Built, build_pdf, esc, grid_table, make_styles, para, signature_block
from kiosk.forms.model import UnitInfo
from kiosk.forms.vnformat import format_date_vn, group_thousands, nfc

PAGE_W, PAGE_H = landscape(A4)
MARGINS = (12 * mm, 12 * mm, 14 * mm, 12 * mm)
WIDTH = PAGE_W - MARGINS[1] - MARGINS[3]
METHODS = {"cash": "Tiền mặt", "transfer": "Chuyển khoản", "exempt": "Miễn"}


def _money(value: int) -> str:
    return group_thousands(int(value))


def render_cash_book(book: dict[str, Any], unit: UnitInfo, *, clerk_name: str = "",
                     handover: dict[str, Any] | None = None) -> Built:
    """``book`` is :meth:`kiosk.money.cashier.Cashier.book`'s answer; with ``handover``, the
    list handed over with the cash, titled as such."""
    st = make_styles(9)
    day = date.fromisoformat(book["date"])
    title = "BẢNG KÊ NỘP TIỀN PHÍ, LỆ PHÍ" if handover else "SỔ THU PHÍ, LỆ PHÍ"
    story: list[Flowable] = [
        para(unit.name.upper(), st.body),
        Paragraph(f"<b>{esc(unit.centre_name.upper())}</b>", st.body),
        para(title, st.title),
        para(f"{format_date_vn(day)[0].upper()}{format_date_vn(day)[1:]}"
             + (f" — Người thu: {clerk_name or book.get('clerk') or ''}"
                if clerk_name or book.get("clerk") else " — Tất cả người thu"), st.center),
        Spacer(1, 3 * mm),
    ]
    widths_mm = [9, 34, 13, 48, 40, 0, 22, 24, 44]
    fixed = sum(widths_mm) * mm
    widths = [w * mm if w else WIDTH - fixed for w in widths_mm]
    head = ["STT", "Ký hiệu – Số", "Giờ", "Mã hồ sơ", "Người nộp", "Nội dung", "Hình thức",
            "Số tiền (đồng)", "Ghi chú"]
    rows: list[list[Any]] = [[para(h, st.cell_head) for h in head]]
    for i, r in enumerate(book["receipts"], 1):
        note = ""
        if r["voided"]:
            note = f"ĐÃ HUỶ: {r.get('void_reason') or ''}"
        elif r.get("reason"):
            note = ("Miễn: " if r["method"] == "exempt" else "Giảm: ") + str(r["reason"])
        if r.get("handover_id"):
            note = (note + "; " if note else "") + "đã nộp"
        rows.append([
            para(str(i), st.cell_center), para(r["ref"] or "—", st.cell),
            para(f"{parse_iso(r['at']):%H:%M}", st.cell_center),
            para(str(r.get("dossier_code", "")), st.cell), para(str(r["payer"]), st.cell),
            para(str(r["content"]), st.cell), para(METHODS.get(r["method"], ""), st.cell_center),
            para(_money(r["amount"]), st.cell_center), para(note, st.cell)])
    if len(rows) == 1:
        rows.append([para("", st.cell)] * 5 + [para("(Không có biên lai)", st.cell)]
                    + [para("", st.cell)] * 3)
    story.append(grid_table(rows, widths, repeat=True))
    if book["refunds"]:
        story += [Spacer(1, 3 * mm), para("Hoàn trả", st.center_bold)]
        refund_rows: list[list[Any]] = [[para(h, st.cell_head) for h in
                                         ("STT", "Biên lai", "Giờ", "Số tiền (đồng)", "Lý do")]]
        for i, f in enumerate(book["refunds"], 1):
            refund_rows.append([para(str(i), st.cell_center), para(f["receipt"], st.cell),
                                para(f"{parse_iso(f['at']):%H:%M}", st.cell_center),
                                para(_money(f["amount"]), st.cell_center),
                                para(str(f["reason"]), st.cell)])
        story.append(grid_table(refund_rows, [9 * mm, 40 * mm, 15 * mm, 30 * mm,
                                              WIDTH - 94 * mm]))
    t = book["totals"]
    story += [
        Spacer(1, 3 * mm),
        Paragraph(f"<b>Tổng thu:</b> {_money(t['collected'])} đồng — tiền mặt "
                  f"{_money(t['cash'])} đồng, chuyển khoản {_money(t['transfer'])} đồng; "
                  f"{t['receipts']} biên lai, {t['exempt']} trường hợp miễn, {t['voided']} biên "
                  f"lai huỷ ({_money(t['voided_amount'])} đồng); hoàn trả "
                  f"{_money(t['refunded'])} đồng.", st.body),
        Paragraph(f"<b>Tiền mặt phải nộp:</b> {_money(t['cash_to_hand_over'])} đồng.", st.body),
    ]
    for h in book.get("handovers", []):
        diff = int(h["amount"]) - int(h["expected"])
        line = (f"Nộp tiền lúc {parse_iso(h['at']):%H:%M}: {_money(h['amount'])} đồng "
                f"(phải nộp {_money(h['expected'])} đồng"
                + (f", chênh lệch {_money(diff)} đồng" if diff else "") + f"), {h['receipts']} "
                "biên lai được khoá sổ" + (f". Ghi chú: {h['note']}" if h.get("note") else "")
                + ".")
        story.append(para(line, st.body))
    story.append(Spacer(1, 3 * mm))
    story.append(signature_block([("NGƯỜI NỘP TIỀN", "(Ký, ghi rõ họ tên)", clerk_name),
                                  ("NGƯỜI NHẬN TIỀN", "(Ký, ghi rõ họ tên)", "")], st, WIDTH,
                                 space=18 * mm))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(fonts.ITALIC, 8)
        canvas.drawString(MARGINS[3], 7 * mm, nfc(f"{title} — {book['date']}"))
        canvas.drawRightString(PAGE_W - MARGINS[1], 7 * mm, f"Trang {doc.page}")
        canvas.restoreState()

    return build_pdf(story, width=PAGE_W, height=PAGE_H, margins=MARGINS,
                     title=f"{title} {book['date']}", author=nfc(unit.centre_name),
                     subject=title, on_page=footer)
