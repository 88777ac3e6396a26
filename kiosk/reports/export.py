"""The summary as JSON, and as a workbook (XLSX); the PDF is :mod:`kiosk.reports.pdf_report`.

All three carry the same numbers: the PDF and the workbook are drawn from the JSON dict
itself, shares printed as percentages with two decimals (the JSON keeps four places). The
PDF and the workbook are for people: Vietnamese headings only, never a JSON key.
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
    ("digitised", "Đã số hoá đủ"),
]
#: Column groups of the form's two-row header: (title, first column, last column).
GROUPS = [("Số hồ sơ nhận giải quyết", 0, 6), ("Số hồ sơ đã giải quyết", 7, 10),
          ("Số hồ sơ đang giải quyết", 11, 13), ("Theo dõi thêm", 14, 16)]
#: The lines under the table: (JSON key, label); shares are printed as percentages.
TOTAL_LINES: list[tuple[str, str]] = [
    ("received.back_entered", "Hồ sơ nhập bù từ sổ giấy"),
    ("closed_without_result", "Hồ sơ kết thúc không có kết quả (từ chối, rút, dừng)"),
    ("supplement.requested", "Lượt yêu cầu bổ sung (tạm dừng tính thời hạn)"),
    ("supplement.awaiting", "Hồ sơ đang chờ bổ sung"),
    ("digitisation.dossiers", "Hồ sơ mới có giấy tờ phải số hoá (không tính giấy tờ chỉ xuất trình)"),
    ("digitisation.documents", "Giấy tờ phải số hoá (đã nộp, không tính giấy tờ chỉ xuất trình)"),
    ("digitisation.scanned", "Giấy tờ đã quét"),
    ("digitisation.reused", "Giấy tờ dùng lại bản đã số hoá trước đó"),
    ("online_share", "Tỷ lệ hồ sơ trực tuyến"),
    ("digitised_share", "Tỷ lệ hồ sơ được số hoá đủ (trên số hồ sơ có giấy tờ phải số hoá)"),
    ("on_time_rate", "Tỷ lệ giải quyết đúng hạn (gồm trước hạn)"),
    ("results.electronic", "Hồ sơ đã trả có kết quả điện tử do cơ quan giải quyết ban hành"),
    ("results.scanned", "Hồ sơ đã trả có kết quả giấy được số hoá khi trả"),
    ("results.unscanned", "Hồ sơ đã trả kết quả giấy không số hoá (có ghi lý do)"),
    ("results_digitised_share", "Tỷ lệ kết quả được số hoá hoặc cấp điện tử (trên số hồ sơ "
     "đã trả)"),
    ("reused_share", "Tỷ lệ giấy tờ được dùng lại (trên số giấy tờ phải số hoá)"),
]
SHARES = ("online_share", "digitised_share", "on_time_rate", "results_digitised_share",
          "reused_share")


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


def judged_text(report: dict[str, Any]) -> str:
    """When the pending dossiers were judged, in words for the headings: the end of the
    period (``hết ngày 30/11/2026``) or, for a period not yet over, the moment the report
    was made (``09:15 ngày 25/11/2026``)."""
    from datetime import date, timedelta

    from kiosk.clock import parse_iso, to_local

    raw = report.get("judged_at")
    last = date.fromisoformat(str(report["to"]))
    if not raw:
        return f"hết ngày {last:%d/%m/%Y}"
    at = to_local(parse_iso(str(raw)))
    if at.time() == at.time().min and at.date() == last + timedelta(days=1):
        return f"hết ngày {last:%d/%m/%Y} (cuối kỳ)"
    return f"{at:%H:%M} ngày {at:%d/%m/%Y} (kỳ chưa kết thúc)"


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=1) + "\n"


def write_atomic(path: Path, data: bytes) -> None:
    from kiosk.output_file import write_atomic as _atomic

    _atomic(path, data)


def rows(report: dict[str, Any]) -> list[tuple[str, str, str, list[Any]]]:
    """(STT, code, name, numbers) for each procedure, then the total line."""
    rows = [(str(i), p["code"], p["name"], [value(p, k) for k, _h in COLUMNS])
            for i, p in enumerate(report.get("by_procedure", []), start=1)]
    rows.append(("", "", "Tổng cộng", [value(report, k) for k, _h in COLUMNS]))
    return rows


# --- XLSX ---------------------------------------------------------------------------------

def to_xlsx(report: dict[str, Any], service_names: dict[str, str] | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from kiosk.reports.citizen_tables import citizen_tables

    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    ws.append(["TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"])
    ws.append(["Từ ngày", report["from"], "Đến ngày", report["to"], "Đơn vị",
               report.get("unit", "")])
    ws.append(["Hồ sơ đang giải quyết (chưa đến hạn, quá hạn) tính đến", None,
               judged_text(report)])
    group_row: list[Any] = ["", "", ""]
    for title, first, last in GROUPS:
        group_row += [title] + [""] * (last - first)
    ws.append(group_row)
    head_row = ws.max_row
    ws.append(["STT", "Mã thủ tục", "Thủ tục"] + [h for _k, h in COLUMNS])
    for stt, code, name, numbers in rows(report):
        ws.append([int(stt) if stt else None, code, name] + [int(n) for n in numbers])
    ws.append([])
    for key, label in TOTAL_LINES:
        number = value(report, key)
        ws.append([None, None, label, number])
        if key in SHARES and number is not None:
            ws.cell(row=ws.max_row, column=4).number_format = "0.00%"
    for cell in ws[1]:
        cell.font = Font(bold=True, size=13)
    for row in (head_row, head_row + 1):
        for cell in ws[row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, horizontal="center")
    for _title, first, last in GROUPS:
        ws.merge_cells(start_row=head_row, start_column=4 + first, end_row=head_row,
                       end_column=4 + last)
    ws.column_dimensions["C"].width = 45
    for table in citizen_tables(report, service_names):
        _xlsx_table(ws, table)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_table(ws: Any, table: Any) -> None:
    """A citizen table under the form: title, headings, rows, then its notes."""
    from openpyxl.styles import Alignment, Font

    ws.append([])
    ws.append([None, None, table.title])
    ws.cell(row=ws.max_row, column=3).font = Font(bold=True, size=12)
    ws.append([None, None, *table.headings])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center")
    for row in table.rows:
        ws.append([None, None, *row])
        for col in table.percent_columns:
            cell = ws.cell(row=ws.max_row, column=3 + col)
            if cell.value is not None:  # the index in percent, one decimal: 66.7
                cell.number_format = "0.0"
    for label, number in table.notes:
        ws.append([None, None, label, number])
    for text in table.remarks:
        ws.append([None, None, text])
