"""The citizen window: which screen it goes on, its own QML engine, and the clerk-side links.

The citizen window has its own ``QQmlApplicationEngine``: its root context holds only the
citizen model, so nothing in it can sign in, navigate the clerk's screens or save; and the
clerk's engine never holds the citizen model, so the clerk's screens cannot give a rating.
The clerk sees two read-only links instead: ``citizenLink`` (has the citizen confirmed?) and
``queue`` ("Gọi số tiếp theo").
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from kiosk import paths
from kiosk.i18n import _
from kiosk.ui.chime import Chime
from kiosk.ui.citizen_model import CitizenModel
from kiosk.ui.intake_state import CONFIRM_CAUSE
from kiosk.ui.qt import (
    QVARIANT,
    Property,
    QGuiApplication,
    QObject,
    QQmlApplicationEngine,
    Qt,
    QUrl,
    Signal,
    Slot,
)

log = logging.getLogger(__name__)
QML = Path(__file__).resolve().parent / "qml" / "Citizen.qml"


def choose_screen(setting: str, screens: list[Any], clerk_screen: Any) -> Any:
    """The screen for the citizen window, or None (``auto``: a second monitor if present)."""
    if setting == "off" or not screens:
        return None
    if setting == "auto":
        others = [s for s in screens if s is not clerk_screen]
        return others[0] if others else None
    index = int(setting)
    if index >= len(screens):
        log.warning("ui.citizen_screen=%s but only %d screens; no citizen window", setting,
                    len(screens))
        return None
    return screens[index]


class CitizenLink(QObject):
    """What the clerk's screens may know of the citizen window: present, confirmed."""

    changed = Signal()

    def __init__(self, services: Any, app: Any = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.app = app
        self.citizen: CitizenModel | None = None
        self.session: Any = None
        self._correction = False

    def attach(self, citizen: CitizenModel) -> None:
        self.citizen = citizen
        citizen.on_confirmation = self._confirmation_changed
        self.changed.emit()

    def _confirmation_changed(self, correction: bool) -> None:
        self._correction = correction
        self.changed.emit()
        if self.app is not None and self._confirmed():
            self.app.resolve(CONFIRM_CAUSE)  # "Mời công dân kiểm tra…" is answered

    present = Property(bool, lambda self: self.citizen is not None, notify=changed)

    def _confirmed(self) -> bool:
        return bool(self.citizen and self.session is not None
                    and self.citizen.confirmation_for(self.session))

    confirmed = Property(bool, _confirmed, notify=changed)

    def _text(self) -> str:
        if self.citizen is None:
            return ""
        if self._confirmed():
            return _("Công dân đã xác nhận thông tin trên màn hình công dân.")
        if self._correction:
            return _("Công dân đề nghị sửa thông tin: hỏi lại và sửa trước khi lưu.")
        return _("Đang chờ công dân xác nhận thông tin trên màn hình công dân.")

    text = Property(str, _text, notify=changed)

    @property
    def required(self) -> bool:
        return self.citizen is not None and bool(
            self.services.config.get("citizen.require_confirmation"))

    def confirmation_for(self, session: Any) -> dict[str, Any] | None:
        return self.citizen.confirmation_for(session) if self.citizen else None


class QueueLink(QObject):
    """The clerk's "Gọi số tiếp theo" and, for the ticket being served, "Gọi lại", "Tạm giữ",
    "Vắng mặt" and "Chuyển" (issue 27; the rules are ``kiosk.citizen.queue_rules``); a held
    ticket is recalled from its own button when the person is back."""

    changed = Signal()

    def __init__(self, services: Any, app: Any, queue: Any,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services, self.app, self.queue = services, app, queue
        self.citizen: CitizenModel | None = None
        self._current: dict[str, Any] = {}
        self._held: list[str] = []
        self._busy = False
        # The ticket being served before a restart is still being served.
        app.tasks.run(queue.current, self._restored,
                      lambda exc: log.warning("queue: current ticket not read back: %s", exc),
                      lane="storage")

    def _restored(self, ticket: dict[str, Any] | None) -> None:
        self._refresh_held()
        if ticket is not None and not self._current:
            self._current = ticket
            self.changed.emit()

    current = Property(QVARIANT, lambda self: dict(self._current), notify=changed)
    busy = Property(bool, lambda self: self._busy, notify=changed)
    held = Property(QVARIANT, lambda self: list(self._held), notify=changed)
    groups = Property(QVARIANT, lambda self: [
        {"service": k, "name": v} for k, v in self.queue.services().items()], constant=True)

    def _run(self, work: Any, done: Any) -> None:
        """One queue job at a time, off the GUI thread; refusals become the error toast."""
        if self._busy:
            return
        self._busy = True
        self.changed.emit()

        def finished(result: Any) -> None:
            self._busy = False
            done(result)
            self._refresh_held()
            self.changed.emit()

        def failed(exc: BaseException) -> None:
            self._busy = False
            self.changed.emit()
            self.app.error(exc)

        self.app.tasks.run(work, finished, failed, lane="net")

    def _refresh_held(self) -> None:
        from kiosk.clock import now

        day = now().date().isoformat()
        self.app.tasks.run(lambda: [t["label"] for t in self.queue.citizen.tickets(
            day=day, state="held")], self._set_held, lambda exc: None, lane="storage")

    def _set_held(self, labels: list[str]) -> None:
        self._held = labels
        self.changed.emit()

    @Slot()
    def callNext(self) -> None:
        queue, by = self.queue, self.services.actor()

        def done(ticket: dict[str, Any] | None) -> None:
            if ticket is None:
                self.app.info(_("Không còn ai chờ."))
            else:
                self._called(ticket)

        self._run(lambda: queue.call_next(by), done)

    def _called(self, ticket: dict[str, Any]) -> None:
        self._current = ticket
        self.app.ok(_("Mời số {label} đến quầy {counter}.", label=ticket["label"],
                      counter=ticket["called_counter"]))
        if self.citizen is not None:
            self.citizen.announce(ticket)

    def _operate(self, action: str, label: str | None = None, **kw: Any) -> None:
        from kiosk.citizen.queue_ops import operate

        queue, by = self.queue, self.services.actor()

        def done(ticket: dict[str, Any]) -> None:
            if ticket["state"] == "called":
                self._called(ticket)
                return
            self._current = {}
            if ticket["state"] == "held":
                self.app.info(_("Đã tạm giữ số {label}: gọi lại khi người dân quay lại.",
                                label=ticket["label"]))
            elif ticket["state"] == "noshow":
                self.app.info(_("Đã ghi số {label} vắng mặt.", label=ticket["label"]))
            else:
                self.app.ok(_("Đã chuyển số {label} sang nhóm {service}.",
                              label=ticket["label"], service=ticket["service"]))

        self._run(lambda: operate(queue, action, label, by=by, **kw), done)

    @Slot()
    def recall(self) -> None:
        self._operate("recall")

    @Slot(str)
    def recallHeld(self, label: str) -> None:
        self._operate("recall", label)

    @Slot()
    def hold(self) -> None:
        self._operate("hold")

    @Slot()
    def noshow(self) -> None:
        self._operate("noshow")

    @Slot(str)
    def transfer(self, service: str) -> None:
        self._operate("transfer", to_service=service)


class CitizenSide:
    """Everything the citizen window adds to a running app (stopped at exit)."""

    def __init__(self, services: Any, tasks: Any, *, app: Any = None,
                 models: dict[str, Any] | None = None) -> None:
        from kiosk.citizen.queue import QueueService

        self.services, self.tasks, self.app, self.models = services, tasks, app, models or {}
        self.queue = QueueService(services.store, services.config)
        self.chime = Chime(str(paths.asset("sounds", "chime.wav")))
        from kiosk.ui.spoken_call import SpokenCall

        self.chime.voice = SpokenCall(services.config, tasks)
        self.link = CitizenLink(services, app, app)
        self.queue_link = QueueLink(services, app, self.queue, app) if app is not None else None
        self.engine: QQmlApplicationEngine | None = None
        self.model: CitizenModel | None = None
        self.booking: Any = None
        self.reader: Any = None
        #: Self-service: the serial and camera readers (kiosk.ui.barcode_readers.ReaderHub).
        self.readers: Any = None
        self.tasks_owned: Any = None

    def expose(self, ctx: Any) -> None:
        """Put the clerk-side links on the clerk's root context (before its QML loads)."""
        ctx.setContextProperty("citizenLink", self.link)
        ctx.setContextProperty("queue", self.queue_link)

    def open(self, screen: Any, *, self_service: bool = False, font_family: str = "",
             fullscreen: bool = False) -> CitizenModel:
        self.chime.load()
        engine = QQmlApplicationEngine()
        model = CitizenModel(self.services, self.tasks, queue=self.queue, chime=self.chime,
                             self_service=self_service, parent=engine)
        from kiosk.ui.citizen_booking import CitizenBooking

        self.booking = CitizenBooking(model, parent=engine)
        ctx = engine.rootContext()
        ctx.setContextProperty("citizen", model)
        ctx.setContextProperty("booking", self.booking)
        choice = self.services.extras.get("notice_consent")
        if choice is not None:  # the consent to notices, ticked in the check (issue 25)
            from kiosk.ui.notice_consent import CitizenConsent

            ctx.setContextProperty("consent", CitizenConsent(model, choice, parent=engine))
        ctx.setContextProperty("appFontFamily", font_family or "DejaVu Sans")
        engine.load(QUrl.fromLocalFile(str(QML)))
        if not engine.rootObjects():
            raise RuntimeError("the citizen window could not be loaded (see the messages above)")
        root = engine.rootObjects()[0]
        if not self_service:
            # Beside the clerk's window it never becomes the active window: the clerk's
            # typing, on-screen keyboard and barcode reader stay on the clerk's side.
            root.setFlag(Qt.WindowType.WindowDoesNotAcceptFocus, True)  # type: ignore[attr-defined]
        if screen is not None:
            root.setScreen(screen)  # type: ignore[attr-defined]
            root.setGeometry(screen.geometry())  # type: ignore[attr-defined]
        if fullscreen or (screen is not None and not self_service):
            # Not showFullScreen(): it asks to activate the window, which a window that
            # does not accept focus refuses with a warning.
            root.setWindowStates(Qt.WindowState.WindowFullScreen)  # type: ignore[attr-defined]
            root.setVisible(True)  # type: ignore[attr-defined]
        else:
            root.show()  # type: ignore[attr-defined]
        self.engine, self.model = engine, model
        self.link.attach(model)
        if self.queue_link is not None:
            self.queue_link.citizen = model
        self._connect(model)
        log.info("citizen window on %s", screen.name() if screen is not None else "default")
        return model

    def _connect(self, model: CitizenModel) -> None:
        intake, returns, app = (self.models.get("intake"), self.models.get("returns"),
                                self.app)
        if intake is None or returns is None or app is None:
            return

        def intake_changed() -> None:
            self.link.session = intake.session
            model.intake_changed(intake.session, app.screen == "intake")
            self.link.changed.emit()

        def saved() -> None:
            done = intake.session.saved
            if done and done.get("id"):
                model.arm_rating(done["id"], done["code"], "intake", self.services.actor())

        def returned() -> None:
            if returns.returned and returns.dossier.get("code"):
                code = returns.dossier["code"]
                if getattr(returns, "_rated_code", None) == code:
                    return
                returns._rated_code = code
                record = self.services.store.get_dossier(code)
                model.arm_rating(record["id"], code, "return", self.services.actor())

        intake.changed.connect(intake_changed)
        app.screenChanged.connect(intake_changed)
        # The citizen agrees (or not) on this screen to the reuse of their papers.
        intake.paper_store.ask_citizen = model.ask_papers
        intake.savedChanged.connect(saved)
        returns.changed.connect(returned)

    def root(self) -> Any:
        return self.engine.rootObjects()[0] if self.engine else None

    def stop(self) -> None:
        if self.readers is not None:
            self.readers.stop()
        if self.model is not None:
            self.model.stop()
        self.queue.close()
        if self.engine is not None:
            self.engine.deleteLater()


def install(services: Any, app: Any, models: dict[str, Any], ctx: Any) -> CitizenSide:
    side = CitizenSide(services, app.tasks, app=app, models=models)
    side.expose(ctx)
    from kiosk.ui.clerk_booking import ClerkBooking

    # Booking for a citizen from Home (issue 27): the citizen screen's view model.
    models["clerkBooking"] = ClerkBooking(services, app, side.queue, app)
    services.extras["citizen_gate"] = side.link
    intake = models.get("intake")
    if intake is not None:
        from kiosk.ui.notice_consent import ClerkConsent

        consent = ClerkConsent(intake, services, app)
        services.extras["notice_consent"] = consent
        ctx.setContextProperty("noticeConsent", consent)
    return side


def open_for(side: CitizenSide, clerk_root: Any, font_family: str) -> None:
    """Open the citizen window per ``ui.citizen_screen`` (nothing when there is no screen)."""
    qt_app = QGuiApplication.instance()
    screens = list(qt_app.screens()) if qt_app is not None else []  # type: ignore[attr-defined]
    clerk_screen = clerk_root.screen() if clerk_root is not None else None
    screen = choose_screen(str(side.services.config.get("ui.citizen_screen")), screens,
                           clerk_screen)
    if screen is None:
        log.info("no citizen window (ui.citizen_screen=%s, %d screens)",
                 side.services.config.get("ui.citizen_screen"), len(screens))
        return
    side.open(screen, font_family=font_family)


def _reads(side: CitizenSide) -> Any:
    """What a read at the self-service screen does: a booking slip checks in, a CCCD gives
    the booking's contact, a receipt shows its dossier (``citizen_booking.route``)."""
    from kiosk.ui.citizen_booking import route

    return lambda text: route(side.model, side.booking, text)


def install_receipt_reader(services: Any, side: CitizenSide) -> Any:
    """Self-service: a barcode from a wedge reader (receipt, booking slip, CCCD)."""
    from kiosk.ui.input_filter import InputFilter
    from kiosk.ui.wedge_filter import install_wedge

    model = side.model
    assert model is not None, "open the citizen window first"
    input_filter = InputFilter(model.touched, parent=model)
    qt_app = QGuiApplication.instance()
    if qt_app is not None:
        qt_app.installEventFilter(input_filter)
    install_wedge(services, input_filter, _reads(side))
    return input_filter


def install_receipt_readers(services: Any, side: CitizenSide) -> Any:
    """Self-service: a read from a serial or camera reader, as by the wedge."""
    from kiosk.ui.barcode_readers import ReaderHub

    model, read = side.model, _reads(side)
    assert model is not None, "open the citizen window first"
    return ReaderHub(services.config, lambda text, _source: read(text),
                     lambda error: model.message.emit(str(error)),
                     wedge=bool(services.config.get("barcode.wedge_enabled")),
                     parent=model).start()
