"""Wiring the device, printing and sync layers into the UI.

Each ``install_*`` connects one layer and returns the objects to stop at exit. A layer that
cannot start (no printer, no server configured) leaves its feature off with the state shown
on the home screen; it never stops the counter from receiving dossiers.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk.cccd import CccdRecord
from kiosk.citizen.booking_rules import CODE_RE as BOOKING_CODE_RE
from kiosk.devices.barcode.routing import Router
from kiosk.devices.barcode.source import UNKNOWN, Read
from kiosk.errors import KioskError
from kiosk.i18n import _
from kiosk.ui.app_model import AppModel
from kiosk.ui.services import Services

log = logging.getLogger(__name__)


def route_read(app: AppModel, models: dict[str, Any], text: str, source: str = "reader") -> str:
    """Send a barcode read, from any source, where the clerk needs it; returns what it was
    taken for. Every source (keyboard wedge, serial port, camera, image file) comes here, so
    a read means the same whichever reader made it.

    Every reader goes through here (keyboard wedge, serial, camera), and a read means what
    the screen shown is for. A CCCD: on the Return screen, who collects
    the result (or that citizen's dossiers); on the look-up screen, that citizen's dossiers;
    in an intake, its applicant (another person's card asks first); anywhere else a new
    intake. A dossier code of this unit: on the Return screen, the hand-over; anywhere else
    the dossier (leaving an intake asks first). Anything else gets a clear message. The same
    code read again within the router's window (a code held under a camera, a double
    trigger) is merged.
    """
    if app.services.clerk is None:
        app.error(_("Đăng nhập trước khi quét mã."))
        return "ignored"
    if BOOKING_CODE_RE.match(text.strip().upper()):
        _check_in_booking(app, text.strip().upper())
        return "booking"
    if text.strip().lower().startswith("kiosk-enrol:"):
        # The province page's enrolment QR (issue 26): only the Settings screen takes it.
        if app.screen != "settings":
            app.error(_("Đây là mã đăng ký quầy với máy chủ: mở Cài đặt rồi quét lại."))
            return "other"
        models["settings"].enrol(text.strip())
        return "enrolment"
    router = _router(app)
    routed = router.route(Read(text, UNKNOWN, source))
    if routed is None:
        return "duplicate"
    if routed.message:
        from kiosk.ui.app_model import sentences

        app.error(sentences(routed.message, routed.hint or ""))
        return "other"
    if routed.kind == "cccd":
        assert isinstance(routed.record, CccdRecord)
        taken = _take_card(app, models, routed.read.text, routed.record)
        if routed.warning:
            app.error(routed.warning)
        return "cccd" if taken else "other"
    code = str(routed.record)
    if app.screen == "return":
        models["returns"].find(code)
    else:
        app.leave("detail", code)  # the Detail screen loads it (off the GUI thread)
    return "dossier_code"


def _check_in_booking(app: AppModel, code: str) -> None:
    """A booking slip's QR (issue 27): check the booking in and print its ticket, which is
    called ahead of the walk-ins of its group during its slot."""
    services = app.services

    def work() -> dict[str, Any]:
        from kiosk.citizen.booking import BookingService
        from kiosk.citizen.queue import QueueService

        queue = QueueService(services.store, services.config)
        try:
            ticket = BookingService(queue).checkin(code)
            ticket["serviceName"] = queue.services().get(ticket["service"], "")
            printer = getattr(services.printer, "printer", None) or \
                services.extras.get("printer_driver")
            if printer is not None:
                from kiosk.citizen.ticket import print_ticket

                try:
                    ticket["print"] = print_ticket(ticket, services.config, printer)
                except KioskError as exc:
                    ticket["printError"] = exc.message
            return ticket
        finally:
            queue.close()

    def done(ticket: dict[str, Any]) -> None:
        app.ok(_("Lịch hẹn {code}: đã nhận số {label}.", code=code, label=ticket["label"]))
        if ticket.get("printError"):
            app.error(_("Chưa in được phiếu: {error} Xin ghi nhớ số {label}.",
                        error=ticket["printError"], label=ticket["label"]))

    app.tasks.run(work, done, app.error, lane="net")


def _take_card(app: AppModel, models: dict[str, Any], text: str, record: CccdRecord) -> str:
    """What a CCCD read is taken for on the screen shown (see :func:`route_read`)."""
    intake = models["intake"]
    if app.screen == "return":
        return str(models["returns"].take_card(record))
    if app.screen == "lookup":
        return str(models["lookup"].take_card(record))
    booking = models.get("clerkBooking")
    if app.screen == "home" and booking is not None and booking.take_cccd(text):
        return "booking"  # the booking dialog's contact: the card's number books
    if app.screen == "intake" and intake.session.step_name != "done":
        return str(intake.take_card(text, record))
    intake.start()
    app.go("intake")
    return "filled" if intake.applyCccd(text) else ""


def _router(app: AppModel) -> Router:
    router = app.services.extras.get("router")
    unit = str(app.services.config.get_or("unit.code", ""))
    if router is None or router.unit_code != unit:
        # No lookup here: the screens load the dossier off the GUI thread.
        router = Router(unit)
        app.services.extras["router"] = router
    return router


def install_sync(services: Services, app: AppModel, models: dict[str, Any]) -> Any:
    from kiosk.ui.bridge import CoreBridge
    from kiosk.ui.qt import QTimer
    from kiosk.ui.sync_link import SyncLink

    link = SyncLink(services).start()
    services.sync = link
    services.extras["store_token"] = link.store_token
    services.extras["enrol"] = link.enrol
    bridge = CoreBridge(parent=app)
    # Many events per pass: refresh the home figures at most once a second.
    refresh = QTimer(app)
    refresh.setSingleShot(True)
    refresh.setInterval(1000)
    refresh.timeout.connect(models["home"].refresh)
    bridge.published.connect(lambda name, payload: refresh.start() if name.startswith("sync")
                         and not refresh.isActive() else None)
    bridge.published.connect(lambda name, payload: models["detail"].on_sync_event(payload)
                             if name == "sync" else None)
    bridge.published.connect(lambda name, payload: models["returns"].on_sync_event(payload)
                             if name == "sync" else None)
    if "incoming" in models:
        bridge.published.connect(lambda name, payload: models["incoming"].on_sync_event(payload)
                                 if name == "sync" else None)
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


def install_readers(services: Services, app: AppModel, models: dict[str, Any]) -> Any:
    """Serial and camera readers: their reads go where the wedge's go, on every screen."""
    from kiosk.ui.barcode_readers import install_readers as start_readers

    hub = start_readers(services, lambda text, source: route_read(app, models, text, source),
                        app.error, parent=app)
    hub.changed.connect(models["home"].showReaders)
    services.extras["readers"] = hub
    return hub


def install_printing(services: Services, app: AppModel, printer: Any = None) -> Any:
    from kiosk.ui.printing import UiPrinting

    printing = UiPrinting(services, app, printer)
    services.printer = printing
    services.extras["print_form"] = printing.print_form
    services.extras["print_receipt"] = lambda code: printing.print_form(code, "01")
    services.extras["print_apology"] = printing.print_apology
    return printing


def install_signing(services: Services, app: AppModel, models: dict[str, Any]) -> Any:
    from kiosk.ui.signing_model import SigningModel

    signing = SigningModel(app, app)
    models["signing"] = signing
    services.extras["signing"] = signing
    # A dossier signed from the dossier screen shows its new state there at once.
    signing.signed.connect(lambda code: models["detail"].load(code))
    return signing


def install_supplement(services: Services, app: AppModel, models: dict[str, Any]) -> Any:
    """Taking in a supplement's papers on the dossier screen (issue 25 §2)."""
    from kiosk.ui.supplement_model import SupplementModel

    model = SupplementModel(app, app)
    models["supplement"] = model
    services.extras["supplement"] = model
    model.received.connect(lambda code: models["detail"].load(code))
    return model


def install(services: Services, app: AppModel, models: dict[str, Any]) -> list[Any]:
    install_signing(services, app, models)
    services.extras["route_read"] = lambda text: route_read(app, models, text)
    stoppers: list[Any] = [install_input(services, app)]
    from kiosk.ui.wedge_filter import install_wedge

    wedge = install_wedge(services, services.extras["input_filter"],
                          lambda text: route_read(app, models, text, source="wedge"))
    services.extras["wedge"] = wedge
    if services.extras.get("raw_keys") is not None:
        stoppers.append(services.extras["raw_keys"])
    stoppers.append(install_readers(services, app, models))
    install_printing(services, app, services.extras.get("printer_driver"))
    stoppers.extend(install_sync(services, app, models))
    stoppers.append(install_supplement(services, app, models))
    return stoppers
