"""Serial and camera barcode readers in the running app.

:class:`ReaderHub` runs the readers configured in Settings (:mod:`kiosk.devices.barcode.
readers`) beside the keyboard wedge, hands each read over to the GUI thread and into the
same routing the wedge uses, restarts a reader when its setting changes, and words each
reader's state for the home screen's device panel. Opening, reading and retrying happen on
the readers' own threads; the GUI thread only receives finished reads and state changes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kiosk.devices.barcode.camera import camera_label
from kiosk.devices.barcode.readers import (
    READER_KEYS,
    SERIAL,
    Readers,
    ReaderSpec,
    configured,
)
from kiosk.devices.barcode.source import (
    ENDED,
    OPEN,
    RETRYING,
    STARTING,
    Read,
    SourceStatus,
    connection_problem,
)
from kiosk.errors import DeviceError
from kiosk.i18n import _
from kiosk.ui.qt import QObject, Signal

log = logging.getLogger(__name__)


def reader_row(spec: ReaderSpec, status: SourceStatus) -> dict[str, Any]:
    """One row of the device panel: which reader, and a short state in Vietnamese."""
    if spec.kind == SERIAL:
        label, where = _("Đầu đọc (cổng COM)"), spec.target
    else:
        label, where = _("Camera đọc mã"), camera_label(spec.target)
    reason = status.problem.details.get("reason") if status.problem else None
    if status.state == OPEN:
        text = _("Sẵn sàng · {where}", where=where)
    elif status.state == STARTING:
        text = _("Đang mở {where}…", where=where)
    elif status.state == RETRYING and reason == "missing":
        text = _("Chưa cắm · {where} · tự thử lại", where=where)
    elif status.state == RETRYING and reason == "permission":
        text = _("Không có quyền mở {where} · tự thử lại", where=where)
    elif status.state == RETRYING and reason == "lost":
        text = _("Mất kết nối · {where} · tự thử lại", where=where)
    elif status.state == RETRYING:
        text = _("Không mở được {where} · tự thử lại", where=where)
    elif status.state == ENDED and status.problem is None:
        text = _("Đã đọc hết tệp {where}", where=where)
    elif status.state == ENDED:
        text = _("Không mở được {where}", where=where)
    else:
        text = _("Đã dừng")
    return {"kind": "barcode", "label": label, "state": text, "ok": status.state == OPEN}


class ReaderHub(QObject):
    #: A reader's state changed (on the GUI thread).
    changed = Signal()
    # From the readers' threads; delivered queued on the GUI thread.
    _arrived = Signal(str, str)
    _failed = Signal(object)
    _state = Signal()

    def __init__(self, config: Any, on_scan: Callable[[str, str], object],
                 on_problem: Callable[[DeviceError], object], *, wedge: bool,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.config = config
        self.on_scan = on_scan
        self.on_problem = on_problem
        #: Whether a keyboard-wedge reader is listened to (shown on the panel).
        self.wedge = wedge
        self._arrived.connect(self._deliver)
        self._failed.connect(self._problem)
        self._state.connect(self.changed)
        self.readers = Readers(self._from_reader, self._failed.emit, self._state.emit)
        self._unsubscribe = config.on_change(self.setting_changed)

    def start(self) -> ReaderHub:
        self.readers.apply(configured(self.config))
        return self

    def setting_changed(self, key: str, _value: Any = None) -> None:
        if key in READER_KEYS:
            self.readers.apply(configured(self.config))

    def rows(self) -> list[dict[str, Any]]:
        rows = [reader_row(spec, status) for spec, status in self.readers.states()]
        if self.wedge:
            rows.insert(0, {"kind": "barcode", "label": _("Đầu đọc (bàn phím)"),
                            "state": _("Sẵn sàng"), "ok": True})
        if not rows:
            rows.append({"kind": "barcode", "label": _("Đầu đọc mã vạch"),
                         "state": _("Chưa cấu hình"), "ok": False})
        return rows

    def stop(self) -> None:
        self._unsubscribe()
        self.readers.stop()

    def _from_reader(self, read: Read) -> None:
        self._arrived.emit(read.text, read.source)

    def _deliver(self, text: str, source: str) -> None:
        self.on_scan(text, source)

    def _problem(self, error: DeviceError) -> None:
        # Not opening (not plugged in, no permission) is the panel's to show, not a toast at
        # every retry; losing a reader that worked, or a read that failed, is news.
        if connection_problem(error) and error.details.get("reason") != "lost":
            return
        self.on_problem(error)


def install_readers(services: Any, on_scan: Callable[[str, str], object],
                    on_problem: Callable[[DeviceError], object],
                    parent: QObject | None = None) -> ReaderHub:
    hub = ReaderHub(services.config, on_scan, on_problem,
                    wedge=bool(services.config.get("barcode.wedge_enabled")), parent=parent)
    services.extras["barcode_rows"] = hub.rows
    return hub.start()
