"""Home screen: today's figures and the state of every device, refreshed off the GUI thread."""

from __future__ import annotations

from typing import Any

from kiosk.i18n import _
from kiosk.ui.app_model import AppModel
from kiosk.ui.listmodel import DictListModel
from kiosk.ui.qt import QVARIANT, Property, QObject, QTimer, Signal, Slot

REFRESH_MS = 30_000


class HomeModel(QObject):
    statsChanged = Signal()

    def __init__(self, app: AppModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self._stats: dict[str, int] = {"received_today": 0, "due_today": 0, "overdue": 0,
                                       "waiting_to_sync": 0}
        self._devices = DictListModel(["kind", "label", "state", "ok"], self)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._refreshing = False

    def _get_stats(self) -> dict[str, int]:
        return dict(self._stats)

    stats = Property(QVARIANT, _get_stats, notify=statsChanged)

    def _get_devices(self) -> DictListModel:
        return self._devices

    devices = Property(QObject, _get_devices, constant=True)

    def stop(self) -> None:
        self._timer.stop()

    @Slot()
    def refresh(self) -> None:
        if self._refreshing:
            return
        self._refreshing = True
        services = self.app.services

        def work() -> tuple[dict[str, int], list[dict[str, Any]]]:
            return services.store.stats_today(), device_states(services)

        def done(result: tuple[dict[str, int], list[dict[str, Any]]]) -> None:
            self._refreshing = False
            self._stats, devices = result
            self._devices.reset(devices)
            self.statsChanged.emit()

        def failed(exc: BaseException) -> None:
            self._refreshing = False
            self.app.error(exc)

        self.app.tasks.run(work, done, failed, lane="work")


def device_states(services: Any) -> list[dict[str, Any]]:
    """One row per device kind: what the clerk needs to know before a citizen arrives."""
    rows: list[dict[str, Any]] = []
    scanner = services.scanner()
    if scanner is None:
        rows.append({"kind": "scanner", "label": _("Máy quét"), "state": _("Chưa cấu hình"),
                     "ok": False})
    else:
        try:
            found = scanner.list_devices()
            rows.append({"kind": "scanner", "label": _("Máy quét"),
                         "state": found[0].label if found else _("Không tìm thấy máy quét"),
                         "ok": bool(found)})
        except Exception as exc:  # a driver error must not blank the home screen
            rows.append({"kind": "scanner", "label": _("Máy quét"), "state": str(exc),
                         "ok": False})
    reader = services.extras.get("barcode_state")
    rows.append({"kind": "barcode", "label": _("Đầu đọc mã vạch"),
                 "state": reader() if callable(reader) else _("Kiểu bàn phím (sẵn sàng)"),
                 "ok": True})
    printer = services.printer
    if printer is None:
        rows.append({"kind": "printer", "label": _("Máy in"), "state": _("Chưa cấu hình"),
                     "ok": False})
    else:
        try:
            state = printer.state()
            rows.append({"kind": "printer", "label": _("Máy in"), "state": state["text"],
                         "ok": bool(state["ok"])})
        except Exception as exc:
            rows.append({"kind": "printer", "label": _("Máy in"), "state": str(exc), "ok": False})
    sync = services.sync
    if sync is None:
        rows.append({"kind": "server", "label": _("Máy chủ"), "state": _("Chưa kết nối"),
                     "ok": False})
    else:
        try:
            state = sync.ui_state()
            rows.append({"kind": "server", "label": _("Máy chủ"), "state": state["text"],
                         "ok": bool(state["ok"])})
        except Exception as exc:
            rows.append({"kind": "server", "label": _("Máy chủ"), "state": str(exc), "ok": False})
    return rows
