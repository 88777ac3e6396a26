"""The satisfaction and queue figures of the period report as tables a person reads.

One description for the PDF and the workbook (:mod:`kiosk.reports.export`,
:mod:`kiosk.reports.pdf_report`): each table is a title, its column headings and its rows,
numbers kept as numbers (``None`` where there is nothing to show). The blocks come from
:mod:`kiosk.citizen.ratings_report`; a report without them (the central server's) has no
such tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.citizen.queue_settings import DEFAULT_PRIORITIES, parse_priorities
from kiosk.citizen.ratings import REASONS

#: The default names of the priority keys (a unit's own keys are shown as they are).
PRIORITY_LABELS = parse_priorities(DEFAULT_PRIORITIES)


@dataclass(frozen=True)
class Table:
    title: str
    headings: list[str]
    rows: list[list[Any]]
    #: Columns (0-based) holding a percentage with one decimal, already ×100.
    percent_columns: tuple[int, ...] = ()
    #: Figures printed under the table: (label, value).
    notes: list[tuple[str, Any]] = field(default_factory=list)
    #: Sentences printed under the table (how a figure is computed).
    remarks: list[str] = field(default_factory=list)


SATISFACTION_HEADINGS = ["Đối tượng đánh giá", "Số lượt đánh giá", "Rất hài lòng", "Hài lòng",
                         "Không hài lòng", "Tỷ lệ hài lòng (%)"]


def _levels(label: str, block: dict[str, Any]) -> list[Any]:
    return [label, block.get("ratings", 0), block.get("very_satisfied", 0),
            block.get("satisfied", 0), block.get("unsatisfied", 0),
            block.get("satisfied_percent")]


def satisfaction_tables(report: dict[str, Any]) -> list[Table]:
    sat = report.get("satisfaction")
    if not isinstance(sat, dict):
        return []
    occasions = sat.get("by_occasion") or {}
    rows = [_levels("Toàn đơn vị", sat)]
    for key, label in (("intake", "Khi tiếp nhận hồ sơ"), ("return", "Khi trả kết quả")):
        if key in occasions:
            rows.append(_levels(label, occasions[key]))
    by_clerk = [_levels(f"Cán bộ: {c.get('name') or c.get('clerk', '')}", c)
                for c in sat.get("by_clerk") or []]
    by_procedure = [_levels(
        f"Thủ tục {p.get('procedure_code', '')}"
        + (f" — {p['procedure_name']}" if p.get("procedure_name") else ""), p)
        for p in sat.get("by_procedure") or []]
    reasons = sat.get("reasons") or {}
    tables = [Table("MỨC ĐỘ HÀI LÒNG CỦA NGƯỜI DÂN, TỔ CHỨC", SATISFACTION_HEADINGS,
                    rows + by_clerk + by_procedure, percent_columns=(5,),
                    remarks=["Tỷ lệ hài lòng = (rất hài lòng + hài lòng) / số lượt đánh giá."])]
    tables.append(Table("LÝ DO KHÔNG HÀI LÒNG", ["Lý do", "Số lượt"],
                        [[REASONS.get(k, k), int(n)] for k, n in reasons.items()]))
    return tables


def queue_tables(report: dict[str, Any], service_names: dict[str, str] | None = None
                 ) -> list[Table]:
    queue = report.get("queue")
    if not isinstance(queue, dict):
        return []
    names = service_names or {}
    rows: list[list[Any]] = []

    def figures(label: str, block: dict[str, Any]) -> list[Any]:
        return [label, block.get("tickets", 0), block.get("called", 0),
                block.get("priority", 0), block.get("noshow", 0),
                block.get("median_wait_minutes"), block.get("median_service_minutes")]

    for group in queue.get("by_service") or []:
        code = str(group.get("service", ""))
        rows.append(figures(f"{code} — {names[code]}" if names.get(code) else code, group))
    rows.append(figures("Tổng cộng", queue))
    headings = ["Nhóm dịch vụ", "Số phiếu đã phát", "Số phiếu đã gọi", "Trong đó ưu tiên",
                "Vắng mặt", "Thời gian chờ (trung vị, phút)",
                "Thời gian phục vụ (trung vị, phút)"]
    priority_rows = [figures(PRIORITY_LABELS.get(str(p.get("key")), str(p.get("key")))
                             if p.get("key") else "Không ưu tiên", p)
                     for p in queue.get("by_priority") or []]
    tables = [Table("XẾP HÀNG LẤY SỐ THỨ TỰ", headings, rows,
                    notes=[("Phiếu còn chờ, chưa được gọi", queue.get("waiting", 0)),
                           ("Phiếu đang tạm giữ", queue.get("held", 0)),
                           ("Phiếu đã chuyển nhóm hoặc quầy", queue.get("transferred", 0)),
                           ("Tỷ lệ vắng mặt (% số phiếu đã gọi)", queue.get("noshow_percent"))])]
    if any(p.get("key") for p in queue.get("by_priority") or []):
        tables.append(Table("XẾP HÀNG THEO ĐỐI TƯỢNG ƯU TIÊN", ["Đối tượng", *headings[1:]],
                            priority_rows))
    return tables


BOOKING_HEADINGS = ["Nhóm dịch vụ / ngày", "Số chỗ", "Đã đặt", "Đã nhận số",
                    "Không đến (quá giờ, đã huỷ)", "Người dân huỷ", "Chưa đến giờ",
                    "Chỗ còn trống", "Tỷ lệ sử dụng (%)"]


def booking_tables(report: dict[str, Any], service_names: dict[str, str] | None = None
                   ) -> list[Table]:
    """Slot use of booked times (issue 27): per group, then per day of that group."""
    booking = report.get("booking")
    if not isinstance(booking, dict):
        return []
    names = service_names or {}

    def figures(label: str, block: dict[str, Any]) -> list[Any]:
        return [label, block.get("places", 0), block.get("bookings", 0),
                block.get("checked_in", 0), block.get("released", 0),
                block.get("cancelled", 0), block.get("pending", 0), block.get("free", 0),
                block.get("use_percent")]

    rows: list[list[Any]] = []
    for group in booking.get("by_service") or []:
        code = str(group.get("service", ""))
        rows.append(figures(f"Nhóm {code} — {names[code]}" if names.get(code)
                            else f"Nhóm {code}", group))
        for day in group.get("by_day") or []:
            d = str(day.get("day", ""))
            rows.append(figures(f"Ngày {d[8:10]}/{d[5:7]}/{d[:4]}", day))
    remarks = ["Tỷ lệ sử dụng: số chỗ có người đặt (trừ lịch người dân tự huỷ) trên số chỗ "
               "mở cho đặt hẹn."]
    if booking.get("error"):
        remarks.insert(0, f"Chưa lấy được số liệu đặt hẹn: {booking['error']}")
    if not rows and not booking.get("error"):
        return []
    return [Table("ĐẶT LỊCH HẸN: SỬ DỤNG KHUNG GIỜ", BOOKING_HEADINGS, rows,
                  percent_columns=(8,), remarks=remarks)]


def citizen_tables(report: dict[str, Any], service_names: dict[str, str] | None = None
                   ) -> list[Table]:
    return (satisfaction_tables(report) + queue_tables(report, service_names)
            + booking_tables(report, service_names))


def shown(value: Any) -> str:
    """A table value as printed: ``—`` for none, one decimal with a decimal comma."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)
