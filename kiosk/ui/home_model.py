"""Home screen: today's figures and the state of every device, refreshed off the GUI thread."""

from __future__ import annotations

import logging
from typing import Any

from kiosk.errors import KioskError
from kiosk.i18n import _
from kiosk.ui.app_model import AppModel
from kiosk.ui.listmodel import DictListModel
from kiosk.ui.qt import QVARIANT, Property, QObject, QTimer, Signal, Slot

log = logging.getLogger(__name__)
REFRESH_MS = 30_000


class HomeModel(QObject):
    statsChanged = Signal()

    def __init__(self, app: AppModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self._stats: dict[str, int] = {"received_today": 0, "due_today": 0, "overdue": 0,
                                       "waiting_to_sync": 0, "due_soon": 0}
        self._devices = DictListModel(["kind", "label", "state", "ok"], self)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._refreshing = False
        #: The last probed rows of the other devices (scanner, printer, server).
        self._probed: list[dict[str, Any]] = []

    def _get_stats(self) -> dict[str, int]:
        return dict(self._stats)

    stats = Property(QVARIANT, _get_stats, notify=statsChanged)

    def _get_devices(self) -> DictListModel:
        return self._devices

    devices = Property(QObject, _get_devices, constant=True)

    def stop(self) -> None:
        self._timer.stop()

    @Slot()
    def showReaders(self) -> None:
        """Redraw the device panel with the barcode readers' states as they are now (they
        change on the readers' threads; this runs on the GUI thread, reading no device)."""
        rows = self.app.services.extras.get("barcode_rows")
        readers = rows() if callable(rows) else [
            {"kind": "barcode", "label": _("Đầu đọc mã vạch"), "state": _("Chưa cấu hình"),
             "ok": False}]
        if not self._probed:
            return  # the first refresh has not come back yet: it shows everything at once
        probed = self._probed
        at = next((i for i, r in enumerate(probed) if r["kind"] == "printer"), len(probed))
        self._devices.reset([*probed[:at], *readers, *probed[at:]])

    @Slot()
    def refresh(self) -> None:
        if self._refreshing:
            return
        self._refreshing = True
        services = self.app.services

        def work() -> tuple[dict[str, int], list[dict[str, Any]]]:
            stats = services.store.stats_today()
            stats["due_soon"] = len(services.store.due_soon())
            return stats, device_states(services)

        def done(result: tuple[dict[str, int], list[dict[str, Any]]]) -> None:
            self._refreshing = False
            self._stats, self._probed = result
            self.showReaders()
            self.statsChanged.emit()

        def failed(exc: BaseException) -> None:
            self._refreshing = False
            self.app.error(exc)

        self.app.tasks.run(work, done, failed, lane="work")


def _scanner_state(scanner: Any) -> dict[str, Any]:
    found = scanner.list_devices()
    return {"text": found[0].label if found else _("Không tìm thấy máy quét"), "ok": bool(found)}


def device_states(services: Any) -> list[dict[str, Any]]:
    """One row per device the counter probes (the barcode readers report their own state:
    :meth:`HomeModel.showReaders` puts them between the scanner and the printer)."""
    scanner, printer, sync = services.scanner(), services.printer, services.sync
    probes: list[tuple[str, str, Any, str]] = [
        ("scanner", _("Máy quét"), scanner and (lambda: _scanner_state(scanner)),
         _("Chưa cấu hình")),
        ("printer", _("Máy in"), printer and printer.state, _("Chưa cấu hình")),
        ("server", _("Máy chủ"), sync and sync.ui_state, _("Chưa kết nối")),
    ]
    rows: list[dict[str, Any]] = []
    for kind, label, probe, missing in probes:
        if probe is None:
            state = {"text": missing, "ok": False}
        else:
            try:
                state = probe()
            except Exception as exc:  # a device error must not blank the home screen
                from kiosk.ui.app_model import technical_detail

                log.warning("%s state: %s", kind, technical_detail(exc))
                state = {"text": exc.message if isinstance(exc, KioskError)
                         else _("Không đọc được trạng thái"), "ok": False}
        rows.append({"kind": kind, "label": label, "state": state["text"],
                     "ok": bool(state["ok"])})
    return rows
