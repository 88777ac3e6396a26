"""Start the counter application: services, view models, the QML window."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk import i18n, paths
from kiosk.clerks import ClerkDirectory
from kiosk.config import Config
from kiosk.errors import KioskError
from kiosk.storage import Store
from kiosk.ui.app_model import AppModel
from kiosk.ui.home_model import HomeModel
from kiosk.ui.intake_model import IntakeModel
from kiosk.ui.lookup_model import DetailModel, LookupModel
from kiosk.ui.qt import (
    QFontDatabase,
    QGuiApplication,
    QObject,
    QQmlApplicationEngine,
    Qt,
    QUrl,
    Signal,
)
from kiosk.ui.reports_model import ReportsModel
from kiosk.ui.return_model import ReturnModel
from kiosk.ui.services import Services
from kiosk.ui.settings_model import SettingsModel
from kiosk.ui.tasks import TaskRunner

log = logging.getLogger(__name__)
QML_DIR = Path(__file__).resolve().parent / "qml"
FONT_FILES = ("BeVietnamPro-Regular.ttf", "BeVietnamPro-SemiBold.ttf", "BeVietnamPro-Bold.ttf",
              "BeVietnamPro-Italic.ttf")


@dataclass
class Window:
    """Everything a running window needs kept alive (and what tests drive)."""

    engine: QQmlApplicationEngine
    app: AppModel
    home: HomeModel
    intake: IntakeModel
    lookup: LookupModel
    detail: DetailModel
    returns: ReturnModel
    settings: SettingsModel
    tasks: TaskRunner
    services: Services
    extras: list[Any]
    first_frame: FirstFrame | None = None

    def root(self) -> QObject:
        return self.engine.rootObjects()[0]

    def close(self) -> None:
        # Event sources first (sync worker, bridge), so nothing schedules work while the
        # workers wind down; the intake's draft is flushed before the lanes close.
        for extra in self.extras:
            stop = getattr(extra, "stop", None)
            if callable(stop):
                stop()
        self.intake.shutdown()
        self.home.stop()
        self.app.stop()
        self.tasks.shutdown()
        self.engine.deleteLater()
        self.services.close()


def load_font() -> str:
    family = ""
    for name in FONT_FILES:
        font_id = QFontDatabase.addApplicationFont(str(paths.asset("fonts", name)))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        family = family or (families[0] if families else "")
    return family or "DejaVu Sans"


class FirstFrame(QObject):
    """Runs callbacks on the GUI thread once the first frame with a usable screen is shown.

    ``frameSwapped`` comes from the render thread with a threaded render loop: it only
    notes the time there and hands over through a queued signal. A frame counts once the
    screen ``Loader`` holds its screen (an empty window is not a usable frame).
    """

    _swapped = Signal()

    def __init__(self, root: Any) -> None:
        super().__init__(root)
        import time

        self._time = time.time
        self.root = root
        self.at = 0.0
        self.done = False
        self._callbacks: list[Callable[[], object]] = []
        self._swapped.connect(self._on_gui_thread, Qt.ConnectionType.QueuedConnection)
        root.frameSwapped.connect(self._on_frame, Qt.ConnectionType.DirectConnection)

    def then(self, callback: Callable[[], object]) -> None:
        self._callbacks.append(callback)

    def _on_frame(self) -> None:
        if not self.done:
            self.at = self._time()
            self._swapped.emit()

    def _on_gui_thread(self) -> None:
        if self.done or not screen_ready(self.root):
            return
        self.done = True
        self.root.frameSwapped.disconnect(self._on_frame)
        for callback in self._callbacks:
            callback()


def screen_ready(root: Any) -> bool:
    loader = root.findChild(QObject, "screenLoader")
    return loader is not None and loader.property("item") is not None and float(
        loader.property("progress")) >= 1.0


def procedure_usage(store: Store) -> Callable[[], dict[str, int]]:
    """Most-used procedures first: counts over the last 90 days, read on demand."""

    def counts() -> dict[str, int]:
        # The unit's day, not SQLite's date('now') (UTC): dossiers' days are the unit's.
        from datetime import timedelta

        from kiosk.clock import now

        since = (now().date() - timedelta(days=90)).isoformat()
        rows = store.read(lambda db: db.execute(
            "SELECT procedure_code, count(*) FROM dossiers WHERE day >= ? "
            "GROUP BY procedure_code", [since]).fetchall())
        return {code: n for code, n in rows}

    return counts


def build_services(config: Config | None = None, *, demo: bool = False,
                   scanner_factory: Callable[[], Any] | None = None) -> Services:
    config = config or Config.load()
    store = Store(config=config)
    clerks = ClerkDirectory()
    if demo:
        clerks.ensure_demo()
    if scanner_factory is None:
        from kiosk.devices.scanner import create_driver

        def scanner_factory() -> Any:
            return create_driver(config=config)
    services = Services(config=config, store=store, clerks=clerks,
                        scanner_factory=scanner_factory)
    services.extras["procedure_usage"] = procedure_usage(store)
    return services


def create_window(services: Services, *, synchronous: bool = False,
                  fullscreen: bool = False, fill_screen: bool = False) -> Window:
    """Build the view models and load the QML; a QGuiApplication must exist."""
    i18n.set_language(str(services.config.get("locale.language")))
    # The engine owns the view models, so at exit the QML goes first and never sees a
    # view model already deleted.
    engine = QQmlApplicationEngine()
    tasks = TaskRunner(synchronous=synchronous, parent=engine)
    app = AppModel(services, tasks, engine)
    models = {
        "app": app, "home": HomeModel(app, engine), "intake": IntakeModel(app, engine),
        "lookup": LookupModel(app, engine), "detail": DetailModel(app, engine),
        "returns": ReturnModel(app, engine), "settings": SettingsModel(app, engine),
        "reports": ReportsModel(app, engine),
    }
    from kiosk.ui.certify_model import CertifyModel  # issue 23

    models["certify"] = CertifyModel(app, engine)
    from kiosk.ui.incoming_model import IncomingModel  # issue 25

    models["incoming"] = IncomingModel(app, engine)
    from kiosk.ui.notice_retry import NoticeRetry  # «Gửi lại» on the dossier screen

    models["noticeRetry"] = NoticeRetry(app, models["detail"], engine)
    from kiosk.ui.paper_facts_model import PaperFactsModel  # issue 24 §3/§4

    models["paperFacts"] = services.extras["paper_facts"] = PaperFactsModel(app, engine)
    # Stopped with the other event sources at exit (its scanner lanes and pipeline).
    extras: list[Any] = [models["certify"], models["returns"]]
    # The text of saved scans, read in the pipeline's helper process (issue 24 §4).
    from kiosk.ui.ocr_runner import OcrRunner

    intake: Any = models["intake"]
    reader = OcrRunner(services, intake.scanner)
    intake.savedChanged.connect(reader.poke)
    services.extras["ocr"] = reader
    extras.append(reader)
    from kiosk.ui.integrations import install

    extras.extend(install(services, app, models))
    ctx = engine.rootContext()
    from kiosk.ui import citizen_window

    citizen = citizen_window.install(services, app, models, ctx)
    extras.append(citizen)
    for name, model in models.items():
        ctx.setContextProperty(name, model)
    font = load_font()
    ctx.setContextProperty("appFontFamily", font)
    from kiosk.ui.clock_model import ClockModel

    unit_clock = ClockModel(engine)
    ctx.setContextProperty("unitClock", unit_clock)
    extras.append(unit_clock)
    engine.load(QUrl.fromLocalFile(str(QML_DIR / "Main.qml")))
    if not engine.rootObjects():
        raise RuntimeError("the QML window could not be loaded (see the messages above)")
    citizen_window.open_for(citizen, engine.rootObjects()[0], font)
    window = Window(engine, app, models["home"], models["intake"], models["lookup"],  # type: ignore[arg-type]
                    models["detail"], models["returns"], models["settings"],  # type: ignore[arg-type]
                    tasks, services, extras)
    # What the first screen does not need waits for its first frame: the on-screen keyboard
    # (created a little per frame) and the scan pipeline's process (~0.4 s of CPU).
    window.first_frame = FirstFrame(window.root())
    window.first_frame.then(lambda: window.root().setProperty("keyboardWanted", True))
    window.first_frame.then(window.intake.scanner.warm_up)
    if fullscreen:
        window.root().showFullScreen()  # type: ignore[attr-defined]
    elif fill_screen:
        fill(window.root())
    return window


def fill(root: Any) -> None:
    """Fill the screen the window is on (a framed window; ``--fullscreen`` drops the frame).

    The geometry is set as well as the maximized state: without a window manager (a bare
    kiosk X session, Xvfb) nobody acts on "maximized".
    """
    screen = root.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        root.setGeometry(screen.availableGeometry())
    root.showMaximized()


def create_self_service(services: Services, *, fullscreen: bool = False) -> Any:
    """The citizen screen alone (a self-service kiosk: board, "Lấy số", status by receipt)."""
    from kiosk.ui.citizen_window import CitizenSide

    i18n.set_language(str(services.config.get("locale.language")))
    tasks = TaskRunner()
    side = CitizenSide(services, tasks)
    side.open(None, self_service=True, font_family=load_font(), fullscreen=fullscreen)
    from kiosk.ui.citizen_window import install_receipt_reader, install_receipt_readers

    side.reader = install_receipt_reader(services, side)
    side.readers = install_receipt_readers(services, side)
    side.tasks_owned = tasks
    return side


def run(*, demo: bool = False, fullscreen: bool = False, argv: list[str] | None = None,
        citizen: bool = False) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    qt_app = QGuiApplication.instance() or QGuiApplication(argv or sys.argv[:1])
    qt_app.setApplicationName("kiosk")
    qt_app.setOrganizationName("kiosk")
    from kiosk.ui.stop_signals import end_by_signal, quit_on_stop_signals

    stop = quit_on_stop_signals(qt_app)
    try:
        code = _run_window(qt_app, demo=demo, fullscreen=fullscreen, citizen=citizen)
    finally:
        stop.restore()
    if code == 0 and stop.received is not None:
        end_by_signal(stop.received)
    return code


def _run_window(qt_app: Any, *, demo: bool, fullscreen: bool, citizen: bool) -> int:
    fullscreen = fullscreen or bool(os.environ.get("KIOSK_FULLSCREEN"))
    try:
        services = build_services(demo=demo)
    except KioskError as exc:
        logging.getLogger(__name__).error("cannot start: %s (%s)", exc, exc.technical())
        print(exc.message, file=sys.stderr)
        if exc.hint:
            print(exc.hint, file=sys.stderr)
        from kiosk.ui import startup_error

        return startup_error.show(qt_app, exc, load_font(), fullscreen=fullscreen)
    if demo:
        from kiosk.demo import seed

        seed(services.store, progress=True)  # one finished and ready to hand over
    if citizen:
        side = create_self_service(services, fullscreen=fullscreen)
        try:
            return int(qt_app.exec())
        finally:
            side.stop()
            side.tasks_owned.shutdown()
            services.close()
    window = create_window(services, fullscreen=fullscreen, fill_screen=True)
    if os.environ.get("KIOSK_FIRST_FRAME_EXIT") and window.first_frame is not None:
        # bench/startup.py: process start to the first frame showing the sign-in screen.
        shown = window.first_frame

        def first_frame() -> None:
            print(f"FIRST_FRAME {shown.at:.6f}", flush=True)
            qt_app.quit()

        shown.then(first_frame)
    try:
        return int(qt_app.exec())
    finally:
        window.close()
