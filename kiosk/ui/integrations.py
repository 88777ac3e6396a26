"""Wiring the device, printing and sync layers into the UI.

Each ``install_*`` connects one layer and returns the objects to stop at exit. A layer that
cannot start (no printer, no server configured) leaves its feature off with the state shown
on the home screen; it never stops the counter from receiving dossiers.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.cccd import looks_like_cccd
from kiosk.dossier_code import looks_like_dossier_code, parse_dossier_code
from kiosk.errors import KioskError
from kiosk.i18n import _
from kiosk.ui.app_model import AppModel
from kiosk.ui.services import Services

log = logging.getLogger(__name__)


def route_read(app: AppModel, models: dict[str, Any], text: str) -> str:
    """Send a barcode read where the clerk needs it; returns what it was taken for.

    A CCCD fills the applicant (and starts an intake from any other screen); a dossier code
    of this unit opens the return screen or the dossier; anything else gets a clear message.
    """
    if app.services.clerk is None:
        app.error(_("Đăng nhập trước khi quét mã."))
        return "ignored"
    intake = models["intake"]
    if looks_like_cccd(text):
        if app.screen == "intake" and intake.session.step_name in ("procedure", "applicant"):
            intake.applyCccd(text)
        else:
            intake.start()
            app.go("intake")
            intake.applyCccd(text)
        return "cccd"
    if looks_like_dossier_code(text):
        try:
            parts = parse_dossier_code(text)
        except KioskError as exc:
            app.error(exc)
            return "other"
        unit = str(app.services.config.get("unit.code"))
        if parts.unit_code != unit:
            app.error(_("Mã hồ sơ {code} thuộc đơn vị khác ({unit}).", code=str(parts),
                        unit=parts.unit_code))
            return "other"
        if app.screen == "return":
            models["returns"].find(str(parts))
        elif app.screen == "intake" and intake.session.step_name not in ("done",):
            app.error(_("Đang tiếp nhận hồ sơ: hoàn tất hoặc quay về trang chính trước khi "
                        "mở hồ sơ {code}.", code=str(parts)))
            return "other"
        else:
            models["detail"].load(str(parts))
            app.go("detail", str(parts))
        return "dossier_code"
    app.error(_("Mã vừa quét không phải mã QR trên CCCD hay mã hồ sơ của đơn vị: «{text}».",
                text=text[:40]))
    return "other"


def install_sync(services: Services, app: AppModel, models: dict[str, Any]) -> Any:
    from kiosk.ui.bridge import CoreBridge
    from kiosk.ui.qt import QTimer
    from kiosk.ui.sync_link import SyncLink

    link = SyncLink(services).start()
    services.sync = link
    services.extras["store_token"] = link.store_token
    bridge = CoreBridge(parent=app)
    # Many events per pass: refresh the home figures at most once a second.
    refresh = QTimer(app)
    refresh.setSingleShot(True)
    refresh.setInterval(1000)
    refresh.timeout.connect(models["home"].refresh)
    bridge.published.connect(lambda name, payload: refresh.start() if name.startswith("sync")
                         and not refresh.isActive() else None)
    models["intake"].savedChanged.connect(link.poke)

    def setting_changed(key: str, _value: Any) -> None:
        if key.startswith("sync."):
            link.restart()

    services.extras["setting_changed"] = setting_changed
    return [bridge, link]


def install_input(services: Services, app: AppModel) -> Any:
    from kiosk.ui.input_filter import InputFilter
    from kiosk.ui.qt import QGuiApplication

    input_filter = InputFilter(app.activity, parent=app)
    qt_app = QGuiApplication.instance()
    if qt_app is not None:
        qt_app.installEventFilter(input_filter)
    services.extras["input_filter"] = input_filter
    return input_filter


def install_printing(services: Services, app: AppModel, printer: Any = None) -> Any:
    from kiosk.ui.printing import UiPrinting

    printing = UiPrinting(services, app, printer)
    services.printer = printing
    services.extras["print_form"] = printing.print_form
    services.extras["print_receipt"] = lambda code: printing.print_form(code, "01")
    services.extras["print_apology"] = printing.print_apology
    return printing


def install(services: Services, app: AppModel, models: dict[str, Any]) -> list[Any]:
    services.extras["route_read"] = lambda text: route_read(app, models, text)
    stoppers: list[Any] = [install_input(services, app)]
    install_printing(services, app, services.extras.get("printer_driver"))
    stoppers.extend(install_sync(services, app, models))
    return stoppers
