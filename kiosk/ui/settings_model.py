"""Settings (admin only): every declared setting, validated on change, saved atomically."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kiosk.config import SETTINGS
from kiosk.errors import KioskError
from kiosk.i18n import N_, _
from kiosk.ui.app_model import AppModel
from kiosk.ui.listmodel import DictListModel
from kiosk.ui.qt import Property, QObject, Signal, Slot

log = logging.getLogger(__name__)

#: Settings shown, grouped the way an admin thinks of them.
GROUPS: list[tuple[str, list[str]]] = [
    (N_("Đơn vị"), ["unit.code", "unit.name", "unit.centre_name", "unit.address", "unit.province",
                "counter.number"]),
    (N_("Giờ làm việc"), ["office.hours", "office.same_day_cutoff", "office.working_saturday",
                      "calendar.extra_days_off", "calendar.extra_working_days"]),
    (N_("Máy quét"), ["scanner.device", "scanner.source", "scanner.resolution", "scanner.mode"]),
    (N_("Đầu đọc mã vạch"), ["barcode.wedge_enabled", "barcode.serial_port",
                         "barcode.serial_baudrate", "barcode.serial_suffix", "barcode.camera",
                         "barcode.camera_url", "barcode.wedge_max_gap_ms",
                         "barcode.wedge_min_length"]),
    (N_("In ấn"), ["printer.name", "printer.paper", "printer.print_on_return", "forms.set",
               "forms.lookup_url"]),
    (N_("Máy chủ"), ["sync.server_url", "sync.ca_file", "sync.enabled"]),
    (N_("Giao diện"), ["locale.language", "ui.idle_lock_minutes"]),
]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


#: Choices shown in words (the stored value stays the code).
CHOICE_WORDS = {"locale.language": {"vi": N_("Tiếng Việt"), "en": N_("English")},
                "printer.paper": {"a4": N_("Giấy A4"), "thermal": N_("Giấy nhiệt 80 mm")},
                "scanner.source": {"flatbed": N_("Mặt kính"), "adf": N_("Khay nạp giấy (ADF)"),
                                   "duplex": N_("Khay nạp, quét hai mặt")},
                "scanner.mode": {"color": N_("Màu"), "gray": N_("Thang xám"),
                                 "lineart": N_("Đen trắng")}}
#: Settings picked from what is connected: (key, kind of device).
DEVICE_KEYS = {"printer.name": "printer", "scanner.device": "scanner"}


class SettingsModel(QObject):
    changed = Signal()
    tokenSaved = Signal()

    def __init__(self, app: AppModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self._rows = DictListModel(["group", "key", "label", "value", "kind", "choices",
                                    "labels"], self)
        #: What is connected now, by device kind: [(value, label)].
        self._found: dict[str, list[tuple[str, str]]] = {}
        self._checking = False

    rows = Property(QObject, lambda self: self._rows, constant=True)

    def _get_checking(self) -> bool:
        return self._checking

    checkingToken = Property(bool, _get_checking, notify=changed)

    @Slot()
    def load(self) -> None:
        config = self.app.services.config
        rows = []
        for group, keys in GROUPS:
            for key in keys:
                setting = SETTINGS.get(key)
                if setting is None:
                    continue
                value = _text(config.get(key))
                choices = [str(c) for c in setting.choices or ()]
                labels = [_(CHOICE_WORDS.get(key, {}).get(c, c)) for c in choices]
                kind = "bool" if setting.kind is bool else ("choice" if choices else (
                    "number" if setting.kind is int else "text"))
                if key in DEVICE_KEYS:
                    found = self._found.get(DEVICE_KEYS[key], [])
                    choices = [""] + [v for v, _label in found]
                    labels = [_("Tự chọn (mặc định)")] + [label for _v, label in found]
                    if value and value not in choices:
                        choices.append(value)
                        labels.append(_("{name} (không thấy kết nối)", name=value))
                    kind = "choice"
                rows.append({"group": _(group), "key": key, "label": _(setting.description),
                             "value": value, "kind": kind, "choices": choices,
                             "labels": labels})
        # In place: a saved setting must not send the admin back to the top of the list.
        self._rows.sync(rows, key="key")
        self.changed.emit()

    @Slot()
    def findDevices(self) -> None:
        """List the printers and scanners that are there (off the GUI thread)."""
        services = self.app.services

        def work() -> dict[str, list[tuple[str, str]]]:
            found: dict[str, list[tuple[str, str]]] = {"printer": [], "scanner": []}
            printing = services.printer
            try:
                if printing is not None:
                    found["printer"] = [(p.name, p.description or p.name)
                                        for p in printing.printer.list_printers()]
            except KioskError as exc:
                log.info("no printers listed: %s (%s)", exc.message, exc.technical())
            try:
                scanner = services.scanner()
                if scanner is not None:
                    found["scanner"] = [(d.name, d.label) for d in scanner.list_devices()]
            except Exception as exc:
                log.info("no scanners listed: %r", exc)
            return found

        def done(found: dict[str, list[tuple[str, str]]]) -> None:
            self._found = found
            self.load()

        self.app.tasks.run(work, done, self.app.error, lane="work")

    @Slot(str, str, result=bool)
    def set(self, key: str, text: str) -> bool:
        config = self.app.services.config
        try:
            value = config.set_text(key, text)
            config.save()
        except KioskError as exc:
            self.app.error(exc)
            self.load()
            return False
        if key == "locale.language":
            self.app.setLanguage(str(value))
        self.app.ok(_("Đã lưu: {label}.", label=_(SETTINGS[key].description)))
        hook = self.app.services.extras.get("setting_changed")
        if callable(hook):
            hook(key, value)
        self.load()
        return True

    @Slot(str)
    def setDeviceToken(self, token: str) -> None:
        """Check the sync device token with the server, then store it in the system keyring
        (never in config or SQLite). ``tokenSaved`` tells the view to clear the field."""
        if not token.strip():
            self.app.error(_("Chưa nhập mã thiết bị. Dán mã do máy chủ cấp vào ô rồi bấm Lưu."))
            return

        def saved(_result: object) -> None:
            self.tokenSaved.emit()
            self.app.ok(_("Máy chủ đã nhận mã; đã lưu mã thiết bị vào kho khóa của hệ thống."))

        self._ask_server("store_token", token.strip(), saved, _("Chưa lưu mã thiết bị."))

    @Slot(str)
    def enrol(self, payload: str) -> None:
        """The enrolment QR read on this screen: trade it for the device token."""
        def enrolled(url: object) -> None:
            self.app.ok(_("Đã đăng ký quầy với máy chủ {server}; quầy bắt đầu đồng bộ.",
                          server=str(url)))

        self._ask_server("enrol", payload, enrolled, _("Chưa đăng ký được với máy chủ."))

    def _ask_server(self, hook_name: str, value: str, done: Callable[[object], None],
                    refused: str) -> None:
        """Run the sync module's ``hook_name`` off the GUI thread, one at a time: the view
        shows ``checking`` meanwhile, so a second tap does not send the same value twice."""
        hook = self.app.services.extras.get(hook_name)
        if not callable(hook):
            self.app.error(_("Chưa có mô-đun đồng bộ để lưu mã thiết bị."))
            return
        if self._checking:
            return
        self._checking = True
        self.changed.emit()

        def finished(result: object) -> None:
            self._checking = False
            self.changed.emit()
            done(result)

        def failed(exc: BaseException) -> None:
            self._checking = False
            self.changed.emit()
            self.app.error(exc, before=refused)

        self.app.tasks.run(lambda: hook(value), finished, failed, lane="work")

    @Slot(str, str, str, result=bool)
    def addClerk(self, login: str, name: str, pin: str) -> bool:
        try:
            self.app.services.clerks.add(login, name, pin)
        except KioskError as exc:
            self.app.error(exc)
            return False
        self.app.ok(_("Đã thêm cán bộ {name}.", name=name))
        return True
