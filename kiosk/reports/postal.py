"""The hand-over list (bảng kê) of results sent by post, for the post office to sign
(PDF/A-2b, like every PDF the counter writes)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from kiosk.clock import TZ, iso
from kiosk.storage.sqlite import Database


def postal_rows(db: Database, day: date) -> list[dict[str, Any]]:
    """Dossiers to be returned by post whose result was ready (status 9) by the end of
    ``day`` and not yet handed over (not 10), plus those marked returned that day."""
    start = iso(datetime.combine(day, time(), TZ))
    end = iso(datetime.combine(day + timedelta(days=1), time(), TZ))
    sql = (
        "SELECT d.code, d.procedure_name, d.status, a.name, a.address, a.phone, "
        "(SELECT min(at) FROM status_events e WHERE e.dossier_id = d.id AND e.to_status = 9) "
        "AS done_at, (SELECT min(at) FROM status_events e WHERE e.dossier_id = d.id AND "
        "e.to_status = 10) AS returned_at FROM dossiers d JOIN applicants a ON "
        "a.dossier_id = d.id AND a.role = 'owner' WHERE d.return_method = 'post' ORDER BY d.code")
    out = []
    for code, proc, status, name, address, phone, done, returned in db.execute(sql):
        ready = (status == 9 and done is not None and done < end) or (
            returned is not None and start <= returned < end)
        if ready:
            out.append({"code": code, "procedure": proc, "name": name, "address": address,
                        "phone": phone})
    return out


def render_postal_list(rows: list[dict[str, Any]], day: date, config: Any) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, TableStyle

    from kiosk.forms import fonts
    from kiosk.forms.layout import (
        build_pdf,
        esc,
        grid_table,
        make_styles,
        para,
        signature_block,
    )

    st = make_styles(10)
    page_w, page_h = A4
    margin = 15 * mm
    width = page_w - 2 * margin
    story: list[Any] = [
        para(str(config.get("unit.name")).upper(), st.center),
        Paragraph(f"<b>{esc(str(config.get('unit.centre_name')).upper())}</b>", st.center),
        Paragraph("<b>BẢNG KÊ GIAO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH "
                  "QUA DỊCH VỤ BƯU CHÍNH CÔNG ÍCH</b>", st.title),
        para(f"Ngày {day:%d/%m/%Y}", st.center), Spacer(1, 3 * mm)]
    body: list[list[Any]] = [[Paragraph(f"<b>{h}</b>", st.cell_head) for h in
                              ("STT", "Mã hồ sơ", "Người nhận", "Địa chỉ nhận", "Điện thoại",
                               "Kết quả thủ tục", "Ghi chú")]]
    for i, r in enumerate(rows, start=1):
        body.append([str(i), esc(r["code"]), Paragraph(esc(r["name"]), st.cell),
                     Paragraph(esc(r["address"] or ""), st.cell), esc(r["phone"] or ""),
                     Paragraph(esc(r["procedure"]), st.cell), ""])
    widths = [9 * mm, 47 * mm, 28 * mm, 36 * mm, 22 * mm, 28 * mm]
    widths.append(width - sum(widths))
    table = grid_table(body, widths, repeat=True)
    signs = signature_block([("BÊN GIAO", "(Ký, ghi rõ họ tên)", ""),
                             ("NHÂN VIÊN BƯU CHÍNH NHẬN", "(Ký, ghi rõ họ tên, giờ nhận)", "")],
                            st, width)
    for t in (table, signs):
        # A table sets its cells' font even around paragraphs: name ours, not Helvetica.
        t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), fonts.REGULAR, 9)]))
    story += [table, Spacer(1, 3 * mm),
              para(f"Tổng số: {len(rows)} bưu gửi.", st.body), Spacer(1, 4 * mm), signs]

    built = build_pdf(story, width=page_w, height=page_h,
                      margins=(margin, margin, margin, margin),
                      title=f"Bảng kê bưu chính {day:%d/%m/%Y}",
                      author=str(config.get("unit.centre_name")), subject="Bảng kê bưu chính")
    return built.pdf
