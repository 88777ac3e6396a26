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
                                       "waiting_to_sync": 0, "due_soon": 0, "incoming": 0}
        self._devices = DictListModel(["kind", "label", "state", "ok"], self)
        # What the sync layer needs a person for (issue 22): the server's notices for the
        # clerk; items parked with the server's reason, conflicts and the audit for an admin.
        self._notices = DictListModel(["seq", "code", "note"], self)
        self._parked = DictListModel(["id", "code", "reason"], self)
        self._conflicts = DictListModel(["code", "text"], self)
        self._audit_text = ""
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

    def _get_notices(self) -> DictListModel:
        return self._notices

    notices = Property(QObject, _get_notices, constant=True)

    def _get_parked(self) -> DictListModel:
        return self._parked

    parked = Property(QObject, _get_parked, constant=True)

    def _get_conflicts(self) -> DictListModel:
        return self._conflicts

    conflicts = Property(QObject, _get_conflicts, constant=True)

    def _get_audit_text(self) -> str:
        return self._audit_text

    auditText = Property(str, _get_audit_text, notify=statsChanged)

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

        def work() -> tuple[dict[str, int], list[dict[str, Any]], dict[str, Any]]:
            from kiosk.sync.status import attention

            stats = services.store.stats_today()
            stats["due_soon"] = len(services.store.due_soon())
            from kiosk.storage.incoming import count_waiting

            stats["incoming"] = services.store.read(count_waiting)
            return stats, device_states(services), attention(services.store)

        def done(result: tuple[dict[str, int], list[dict[str, Any]], dict[str, Any]]) -> None:
            self._refreshing = False
            self._stats, self._probed, sync = result
            self.showReaders()
            self._show_sync(sync)
            self.statsChanged.emit()

        def failed(exc: BaseException) -> None:
            self._refreshing = False
            self.app.error(exc)

        self.app.tasks.run(work, done, failed, lane="work")


    def _show_sync(self, sync: dict[str, Any]) -> None:
        self._notices.reset([{"seq": n["seq"], "code": n["code"], "note": n["note"]}
                             for n in sync["notices"]])
        self._parked.reset([{"id": p["id"], "code": p["code"] or _("(không thuộc hồ sơ)"),
                             "reason": p["reason"]} for p in sync["parked"]])
        self._conflicts.reset([{"code": c["code"], "text": conflict_text(c)}
                               for c in sync["conflicts"]])
        self._audit_text = audit_text(sync["last_audit"])

    @Slot(str)
    def retryParked(self, op_id: str) -> None:
        """An admin's one tap: the parked item waits again and the worker is woken."""
        self._retry([op_id] if op_id else None)

    @Slot()
    def retryAllParked(self) -> None:
        self._retry(None)

    def _retry(self, ids: list[str] | None) -> None:
        services = self.app.services
        if not (services.clerk and services.clerk.is_admin):
            return  # the button is an admin's only; a stray call from a clerk does nothing
        from kiosk.sync import state

        def work() -> int:
            return len(services.store.call(lambda db: state.retry_parked(db, ids)))

        def done(count: int) -> None:
            if services.sync is not None:
                services.sync.poke()
            self.app.info(_("Đã xếp gửi lại {n} mục.", n=count))
            self.refresh()

        self.app.tasks.run(work, done, self.app.error, lane="storage")

    @Slot(int)
    def dismissNotice(self, seq: int) -> None:
        services = self.app.services
        from kiosk.sync import server_state

        self.app.tasks.run(lambda: services.store.call(
            lambda db: server_state.mark_notice_seen(db, seq)),
            lambda _ok: self.refresh(), self.app.error, lane="storage")


def conflict_text(conflict: dict[str, Any]) -> str:
    from kiosk.dossier import Status

    return _("Quầy: «{local}», máy chủ: «{server}» — cần quản trị viên xem lại",
             local=Status(conflict["local_status"]).label,
             server=Status(conflict["server_status"]).label)


def audit_text(audit: dict[str, Any] | None) -> str:
    """One line for the admin's server panel: when the last audit ran and what it found."""
    if not audit or not isinstance(audit.get("totals"), dict):
        return _("Chưa đối chiếu với máy chủ")
    t = audit["totals"]
    when = str(audit.get("at", ""))[:16].replace("T", " ")
    if audit.get("ok"):
        return _("Đối chiếu lúc {when}: máy chủ có đủ {n} hồ sơ đã gửi", when=when,
                 n=t.get("on_server", 0))
    return _("Đối chiếu lúc {when}: máy chủ thiếu {missing} hồ sơ, {blobs} tệp, {old} hồ sơ "
             "cũ hơn; đã xếp gửi lại {requeued} mục", when=when, missing=t.get("missing", 0),
             blobs=t.get("missing_blobs", 0), old=t.get("version_mismatch", 0),
             requeued=t.get("requeued", 0))


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
    # The last states seen, for the health report the sync thread sends (sync_link.py):
    # it reads these instead of opening the scanner a second time.
    extras = getattr(services, "extras", None)
    if isinstance(extras, dict):
        extras["device_states"] = rows
    return rows
