"""The period report's fee sections (issue 23): fees collected per procedure, per clerk and
per method, and the check that every fee-bearing dossier has a receipt or a recorded
exemption (the list of those that do not). Added to ``kiosk report summary`` as ``fees``;
in the PDF as a page of its own and in the XLSX as a sheet.

Definitions (docs/REPORTS.md): receipts count by the day they were made; a voided receipt
counts nowhere but in ``voided``; refunds are taken off ``net`` on the day they were paid.
A dossier is fee-bearing when its procedure (as received) has a fee with an amount above 0
or an amount the province sets; it is checked when received in the period and not refused
or withdrawn at reception.
"""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

from kiosk.storage.sqlite import Database

#: Refused (3) and withdrawn (7) dossiers owe nothing.
_NOT_OWING = (3, 7)


def _zero() -> dict[str, int]:
    return {"receipts": 0, "collected": 0, "cash": 0, "transfer": 0, "exempt": 0,
            "voided": 0, "refunded": 0}


def _add(acc: dict[str, int], r: dict[str, Any]) -> None:
    if r["voided_at"]:
        acc["voided"] += 1
        return
    if r["kind"] == "exemption":
        acc["exempt"] += 1
        return
    acc["receipts"] += 1
    acc["collected"] += int(r["amount"])
    acc[r["method"]] += int(r["amount"])


def fee_bearing(snapshot: str | None) -> bool:
    fees = (json.loads(snapshot) if snapshot else {}).get("fees") or []
    return any(f.get("amount") is None or int(f.get("amount") or 0) > 0 for f in fees)


def fee_block(db: Database, first: date, last: date, procedure: str | None = None
              ) -> dict[str, Any]:
    if not db.has_table("receipts"):
        return {}
    span = (first.isoformat(), last.isoformat())
    extra, params = ("AND d.procedure_code = ?", [*span, procedure]) if procedure else (
        "", list(span))
    rows = list(db.query(
        "SELECT r.*, d.code AS dossier_code, d.procedure_code, d.procedure_name FROM receipts r "
        f"JOIN dossiers d ON d.id = r.dossier_id WHERE r.day BETWEEN ? AND ? {extra} "
        "ORDER BY r.at", params))
    refunds = list(db.query(
        "SELECT f.amount, r.clerk AS receipt_clerk, f.clerk, d.procedure_code FROM "
        "receipt_refunds f JOIN receipts r ON r.id = f.receipt_id JOIN dossiers d ON "
        f"d.id = r.dossier_id WHERE f.day BETWEEN ? AND ? {extra}", params))
    total = _zero()
    procedures: dict[str, dict[str, Any]] = {}
    clerks: dict[str, dict[str, int]] = {}
    for r in rows:
        _add(total, r)
        proc = procedures.setdefault(r["procedure_code"], {"code": r["procedure_code"],
                                                           "name": r["procedure_name"],
                                                           **_zero()})
        _add(proc, r)
        _add(clerks.setdefault(r["clerk"], _zero()), r)
    for f in refunds:
        total["refunded"] += int(f["amount"])
        if f["procedure_code"] in procedures:
            procedures[f["procedure_code"]]["refunded"] += int(f["amount"])
        clerks.setdefault(f["clerk"], _zero())["refunded"] += int(f["amount"])
    for acc in (total, *procedures.values(), *clerks.values()):
        acc["net"] = acc["collected"] - acc["refunded"]
    return {
        **total,
        "by_method": {"cash": total["cash"], "transfer": total["transfer"],
                      "exempt": total["exempt"]},
        "by_procedure": [procedures[k] for k in sorted(procedures)],
        "by_clerk": [{"clerk": k, **v} for k, v in sorted(clerks.items())],
        "missing_receipts": missing_receipts(db, first, last, procedure),
    }


def missing_receipts(db: Database, first: date, last: date, procedure: str | None = None
                     ) -> list[dict[str, Any]]:
    """Fee-bearing dossiers received in the period with neither a receipt nor an exemption
    that stands (a voided one does not)."""
    # Whether a procedure bears a fee is decided once per catalog version (a year's
    # dossiers share a handful of snapshots; reading one per dossier took seconds), and
    # only the dossiers of those procedures are read.
    bearing = [[version, code] for version, code, snapshot in db.execute(
        "SELECT catalog_version, code, snapshot FROM procedures") if fee_bearing(snapshot)]
    marks = ", ".join("?" for _s in _NOT_OWING)
    sql = ("SELECT d.code, d.procedure_code, d.procedure_name, d.received_at, "
           "d.received_by FROM dossiers d "
           "JOIN (SELECT json_extract(value, '$[0]') AS version, "
           "json_extract(value, '$[1]') AS code FROM json_each(?)) p "
           "ON p.version = d.catalog_version AND p.code = d.procedure_code "
           f"WHERE d.day BETWEEN ? AND ? AND d.status NOT IN ({marks}) AND NOT EXISTS ("
           "SELECT 1 FROM receipts r WHERE r.dossier_id = d.id AND r.voided_at IS NULL)")
    params: list[Any] = [json.dumps(bearing), first.isoformat(), last.isoformat(),
                         *_NOT_OWING]
    if procedure:
        sql += " AND d.procedure_code = ?"
        params.append(procedure)
    return list(db.query(sql + " ORDER BY d.received_at, d.num", params))


# --- in the exported report -------------------------------------------------------------

_HEAD = ["Thủ tục / người thu", "Biên lai", "Đã thu (đồng)", "Tiền mặt", "Chuyển khoản",
         "Miễn (lượt)", "Huỷ (biên lai)", "Hoàn trả", "Thực thu"]
_KEYS = ["receipts", "collected", "cash", "transfer", "exempt", "voided", "refunded", "net"]


def add_xlsx_sheet(data: bytes, fees: dict[str, Any]) -> bytes:
    """The report's workbook with a "Phi le phi" sheet added."""
    from openpyxl import load_workbook
    from openpyxl.styles import Font

    wb = load_workbook(io.BytesIO(data))
    ws = wb.create_sheet("Phi le phi")
    ws.append(["PHÍ, LỆ PHÍ ĐÃ THU"])
    ws.append(_HEAD)
    for p in fees.get("by_procedure", []):
        ws.append([f"{p['code']} {p['name']}", *[p[k] for k in _KEYS]])
    ws.append(["Tổng cộng", *[fees.get(k, 0) for k in _KEYS]])
    ws.append([])
    ws.append(["Theo người thu"])
    for c in fees.get("by_clerk", []):
        ws.append([c["clerk"], *[c[k] for k in _KEYS]])
    ws.append([])
    ws.append(["Hồ sơ phải thu phí chưa có biên lai hoặc ghi miễn"])
    ws.append(["Mã hồ sơ", "Mã thủ tục", "Thủ tục", "Tiếp nhận", "Người tiếp nhận"])
    for m in fees.get("missing_receipts", []):
        ws.append([m["code"], m["procedure_code"], m["procedure_name"], m["received_at"],
                   m["received_by"]])
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 50
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def fees_pdf(fees: dict[str, Any], report: dict[str, Any], config: Any = None) -> bytes:
    """One A4 landscape section: the fee tables and the missing-receipt list."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    from kiosk.forms.layout import build_pdf, grid_table, make_styles, para
    from kiosk.forms.vnformat import group_thousands

    st = make_styles(9)
    page_w, page_h = landscape(A4)
    width = page_w - 24 * mm
    widths = [width - 8 * 24 * mm] + [24 * mm] * 8

    def table(rows: list[dict[str, Any]], label: Any) -> Any:
        data = [[para(h, st.cell_head) for h in _HEAD]]
        for row in rows:
            data.append([para(label(row), st.cell)] + [
                para(group_thousands(int(row[k])), st.cell_center) for k in _KEYS])
        return grid_table(data, widths)

    story: list[Any] = [
        para("PHÍ, LỆ PHÍ ĐÃ THU", st.title),
        para(f"Từ ngày {report['from']} đến ngày {report['to']}", st.center),
        Spacer(1, 3 * mm), para("Theo thủ tục", st.center_bold),
        table([*fees.get("by_procedure", []), {"code": "", "name": "Tổng cộng",
                                               **{k: fees.get(k, 0) for k in _KEYS}}],
              lambda r: f"{r['code']} {r['name']}".strip()),
        Spacer(1, 3 * mm), para("Theo người thu", st.center_bold),
        table(fees.get("by_clerk", []), lambda r: r["clerk"]),
        Spacer(1, 3 * mm),
        para(f"Hồ sơ phải thu phí chưa có biên lai hoặc ghi miễn: "
             f"{len(fees.get('missing_receipts', []))}", st.center_bold),
    ]
    missing = fees.get("missing_receipts", [])
    if missing:
        data = [[para(h, st.cell_head) for h in ("Mã hồ sơ", "Thủ tục", "Tiếp nhận",
                                                 "Người tiếp nhận")]]
        for m in missing:
            data.append([para(m["code"], st.cell), para(m["procedure_name"], st.cell),
                         para(m["received_at"], st.cell), para(m["received_by"], st.cell)])
        story.append(grid_table(data, [60 * mm, width - 150 * mm, 50 * mm, 40 * mm],
                                repeat=True))
    else:
        story.append(Paragraph("(Không có)", st.center))
    centre = str(config.get("unit.centre_name")) if config is not None else ""
    return build_pdf(story, width=page_w, height=page_h,
                     margins=(12 * mm, 12 * mm, 12 * mm, 12 * mm), title="Phí, lệ phí đã thu",
                     author=centre, subject="Phí, lệ phí").pdf


def append_pdf(first: bytes, second: bytes) -> bytes:
    """The report's PDF followed by the fee pages, as one PDF/A-2b."""
    import pikepdf

    from kiosk.pdfa import to_pdfa

    with pikepdf.Pdf.open(io.BytesIO(first)) as head, \
            pikepdf.Pdf.open(io.BytesIO(second)) as tail:
        head.pages.extend(tail.pages)
        buf = io.BytesIO()
        head.save(buf)
    return to_pdfa(buf.getvalue())
