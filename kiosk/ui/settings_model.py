"""Settings (admin only): every declared setting, validated on change, saved atomically."""

from __future__ import annotations

from typing import Any

from kiosk.config import SETTINGS
from kiosk.errors import KioskError
from kiosk.i18n import N_, _
from kiosk.ui.app_model import AppModel
from kiosk.ui.listmodel import DictListModel
from kiosk.ui.qt import Property, QObject, Signal, Slot

#: Settings shown, grouped the way an admin thinks of them.
GROUPS: list[tuple[str, list[str]]] = [
    (N_("Đơn vị"), ["unit.code", "unit.name", "unit.centre_name", "unit.address", "unit.province",
                "counter.number"]),
    (N_("Giờ làm việc"), ["office.hours", "office.same_day_cutoff", "office.working_saturday",
                      "calendar.extra_days_off", "calendar.extra_working_days"]),
    (N_("Máy quét"), ["scanner.device", "scanner.source", "scanner.resolution", "scanner.mode"]),
    (N_("Đầu đọc mã vạch"), ["barcode.wedge_enabled", "barcode.serial_port", "barcode.camera",
                         "barcode.wedge_max_gap_ms", "barcode.wedge_min_length"]),
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


class SettingsModel(QObject):
    changed = Signal()

    def __init__(self, app: AppModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app = app
        self._rows = DictListModel(["group", "key", "label", "value", "kind", "choices"], self)

    rows = Property(QObject, lambda self: self._rows, constant=True)

    @Slot()
    def load(self) -> None:
        config = self.app.services.config
        rows = []
        for group, keys in GROUPS:
            for key in keys:
                setting = SETTINGS.get(key)
                if setting is None:
                    continue
                kind = "bool" if setting.kind is bool else (
                    "choice" if setting.choices else "text")
                rows.append({"group": _(group), "key": key, "label": _(setting.description),
                             "value": _text(config.get(key)), "kind": kind,
                             "choices": [str(c) for c in setting.choices or ()]})
        self._rows.reset(rows)
        self.changed.emit()

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
        self.app.ok(_("Đã lưu {key}.", key=key))
        hook = self.app.services.extras.get("setting_changed")
        if callable(hook):
            hook(key, value)
        self.load()
        return True

    @Slot(str, result=bool)
    def setDeviceToken(self, token: str) -> bool:
        """Store the sync device token in the system keyring (never in config or SQLite)."""
        hook = self.app.services.extras.get("store_token")
        if not callable(hook):
            self.app.error(_("Chưa có mô-đun đồng bộ để lưu mã thiết bị."))
            return False
        try:
            hook(token.strip())
        except KioskError as exc:
            self.app.error(exc)
            return False
        self.app.ok(_("Đã lưu mã thiết bị vào kho khóa của hệ thống."))
        return True

    @Slot(str, str, str, result=bool)
    def addClerk(self, login: str, name: str, pin: str) -> bool:
        try:
            self.app.services.clerks.add(login, name, pin)
        except KioskError as exc:
            self.app.error(exc)
            return False
        self.app.ok(_("Đã thêm cán bộ {name}.", name=name))
        return True
