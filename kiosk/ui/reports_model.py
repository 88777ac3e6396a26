"""The Reports screen: the period's figures and chart data, exports to PDF/XLSX and print.

The numbers come from :func:`kiosk.reports.summary.summary`, the same function the CLI and
the central server use; the charts are drawn in QML (Canvas) from the lists built here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.clock import now
from kiosk.dossier import Channel
from kiosk.i18n import _
from kiosk.ui.app_model import AppModel
from kiosk.ui.qt import QVARIANT, QVARIANT_LIST, Property, QObject, Signal, Slot


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def month_end(day: date) -> date:
    nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def build_view(records: list[Any], first: date, last: date, unit: str,
               as_of: datetime | None = None,
               blocks: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the screen shows, from report records (pure: tested without Qt).

    ``as_of``: when the report is made (a period not yet over is judged then); ``blocks``:
    the citizen screen's satisfaction and queue figures, carried into the exports."""
    from kiosk.reports.summary import Period, by_month, summary

    report = summary(records, first, last, unit=unit, as_of=as_of)
    report.update(blocks or {})
    months = by_month(records, first, last)
    # Per month: new dossiers, those with documents to digitise, and those digitised (the
    # summary's definitions, kiosk.reports.digitisation).
    new: dict[str, list[int]] = {m["month"]: [0, 0, 0] for m in months}
    period = Period(first, last)
    for r in records:
        if period.contains(r.received_at):
            slot = new.get(f"{r.received_at:%Y-%m}")
            if slot is not None:
                slot[0] += 1
                slot[1] += r.documents.has_documents
                slot[2] += r.documents.digitised
    for m in months:
        n, with_documents, digitised = new[m["month"]]
        m["digitised_share"] = round(digitised / with_documents, 4) if with_documents else None
        m["new"] = n
    rec = report["received"]
    channels = [{"key": key, "label": Channel(code).label, "value": rec[key]}
                for key, code in (("direct", 1), ("online", 2), ("postal", 3), ("other", 4))]
    return {"report": report, "months": months, "channels": channels}


class ReportsModel(QObject):
    changed = Signal()

    def __init__(self, app: AppModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        today = now().date()
        self._first, self._last = month_start(today), today
        self._view: dict[str, Any] = {"report": {}, "months": [], "channels": []}
        self._loading = False
        self._last_file = ""

    # --- properties -----------------------------------------------------------------------

    def _get_from(self) -> str:
        return self._first.isoformat()

    dateFrom = Property(str, _get_from, notify=changed)

    def _get_to(self) -> str:
        return self._last.isoformat()

    dateTo = Property(str, _get_to, notify=changed)

    def _get_report(self) -> dict[str, Any]:
        return dict(self._view["report"])

    report = Property(QVARIANT, _get_report, notify=changed)

    def _get_months(self) -> list[dict[str, Any]]:
        return list(self._view["months"])

    months = Property(QVARIANT_LIST, _get_months, notify=changed)

    def _get_channels(self) -> list[dict[str, Any]]:
        return list(self._view["channels"])

    channels = Property(QVARIANT_LIST, _get_channels, notify=changed)

    def _get_judged(self) -> str:
        """When the pending split was judged, in words for the tile: the end of the period,
        or now for a period not yet over (as Home's "overdue now")."""
        from kiosk.clock import parse_iso, to_local

        report = self._view["report"]
        if not report.get("judged_at"):
            return ""
        at = to_local(parse_iso(str(report["judged_at"])))
        if at.date() > self._last:
            return _("cuối kỳ (hết ngày {day})", day=f"{self._last:%d/%m/%Y}")
        return _("giờ này ({time})", time=f"{at:%H:%M %d/%m/%Y}")

    judgedText = Property(str, _get_judged, notify=changed)

    def _get_target(self) -> float:
        return float(self.app.services.config.get("reports.online_target"))

    target = Property(float, _get_target, notify=changed)

    def _get_loading(self) -> bool:
        return self._loading

    loading = Property(bool, _get_loading, notify=changed)

    def _get_last_file(self) -> str:
        return self._last_file

    lastFile = Property(str, _get_last_file, notify=changed)

    def _get_default_folder(self) -> str:
        from kiosk import paths

        return str(paths.data_dir() / "reports")

    defaultFolder = Property(str, _get_default_folder, constant=True)

    # --- actions --------------------------------------------------------------------------

    @Slot(str)
    def preset(self, which: str) -> None:
        today = now().date()
        if which == "last_month":
            prev = month_start(today) - timedelta(days=1)
            self._first, self._last = month_start(prev), prev
        elif which == "year":
            self._first, self._last = date(today.year, 1, 1), today
        else:
            self._first, self._last = month_start(today), today
        self.refresh()

    @Slot(str, str, result=bool)
    def setPeriod(self, first: str, last: str) -> bool:
        try:
            a, b = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
        except ValueError:
            self.app.error(_("Ngày có dạng YYYY-MM-DD, ví dụ 2026-11-25."))
            return False
        if b < a:
            self.app.error(_("Khoảng ngày không hợp lệ: {start} sau {end}.", start=first,
                             end=last))
            return False
        self._first, self._last = a, b
        self.refresh()
        return True

    @Slot()
    def refresh(self) -> None:
        from kiosk.reports.summary import Period

        store = self.app.services.store
        first, last = self._first, self._last
        unit = str(self.app.services.config.get_or("unit.code", ""))
        self._loading = True
        self.changed.emit()

        services = self.app.services

        def work() -> dict[str, Any]:
            from kiosk.citizen.ratings_report import report_blocks

            names = {c.login: c.full_name for c in services.clerks.list()}
            return build_view(store.report_records(Period(first, last).end), first, last, unit,
                              as_of=now(), blocks=report_blocks(store, first, last, names))

        def done(view: dict[str, Any]) -> None:
            self._loading = False
            self._view = view
            self.changed.emit()

        def failed(exc: BaseException) -> None:
            self._loading = False
            self.changed.emit()
            self.app.error(exc)

        self.app.tasks.run(work, done, failed, lane="work")

    def _file_name(self, fmt: str) -> str:
        return f"bao-cao-tthc-{self._first.isoformat()}-{self._last.isoformat()}.{fmt}"

    def _render(self, fmt: str) -> bytes:
        from kiosk.reports.documents import render

        return render(self._view["report"], fmt, self.app.services.config)

    @Slot(str, str)
    def exportTo(self, fmt: str, folder: str) -> None:
        """Write the report as ``fmt`` (pdf or xlsx) into ``folder``."""
        from kiosk.reports import export

        if fmt not in ("pdf", "xlsx") or not self._view["report"]:
            return
        target = Path(folder.strip() or self._get_default_folder()).expanduser() / \
            self._file_name(fmt)

        def work() -> str:
            export.write_atomic(target, self._render(fmt))
            return str(target)

        def done(path: str) -> None:
            self._last_file = path
            self.changed.emit()
            self.app.ok(_("Đã lưu báo cáo vào {path}.", path=path))

        self.app.tasks.run(work, done, self.app.error, lane="work")

    @Slot(str, bool)
    def postalList(self, folder: str, to_printer: bool) -> None:
        """Today's hand-over list (bảng kê) of results going back by post: saved into
        ``folder``, and sent to the printer when ``to_printer``."""
        from kiosk.reports import export
        from kiosk.reports.postal import postal_rows, render_postal_list

        services = self.app.services
        day = now().date()
        target = Path(folder.strip() or self._get_default_folder()).expanduser() / \
            f"bang-ke-buu-chinh-{day.isoformat()}.pdf"
        printer = getattr(services.printer, "printer", None) if to_printer else None

        def work() -> dict[str, Any]:
            rows = services.store.read(lambda db: postal_rows(db, day))
            pdf = render_postal_list(rows, day, services.config)
            export.write_atomic(target, pdf)
            out: dict[str, Any] = {"path": str(target), "rows": len(rows)}
            if printer is not None:
                from kiosk.devices.printer import check_ready

                name = str(services.config.get("printer.name")) or None
                check_ready(printer.printer(name))
                out["job"] = printer.submit(pdf, printer=name, media="A4",
                                            title=target.name).to_json()
            return out

        def done(out: dict[str, Any]) -> None:
            self._last_file = out["path"]
            self.changed.emit()
            self.app.ok(_("Bảng kê bưu chính: {n} bưu gửi, đã lưu vào {path}.", n=out["rows"],
                          path=out["path"]))

        self.app.tasks.run(work, done, self.app.error, lane="print" if to_printer else "work")

    @Slot()
    def printReport(self) -> None:
        if not self._view["report"]:
            return
        printer = getattr(self.app.services.printer, "printer", None)
        if printer is None:
            self.app.error(_("Chưa cấu hình máy in."))
            return
        config = self.app.services.config

        def work() -> dict[str, Any]:
            from kiosk.devices.printer import check_ready

            name = str(config.get("printer.name")) or None
            check_ready(printer.printer(name))
            job = printer.submit(self._render("pdf"), printer=name, media="A4",
                                 title=self._file_name("pdf"))
            return dict(job.to_json())

        self.app.tasks.run(work, lambda job: self.app.ok(
            _("Đã gửi báo cáo tới máy in {printer} (lệnh in số {job}).",
              printer=job.get("printer", ""), job=job.get("job", ""))),
            self.app.error, lane="print")
