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
from kiosk.storage import Store
from kiosk.ui.app_model import AppModel
from kiosk.ui.home_model import HomeModel
from kiosk.ui.intake_model import IntakeModel
from kiosk.ui.lookup_model import DetailModel, LookupModel
from kiosk.ui.qt import QFontDatabase, QGuiApplication, QObject, QQmlApplicationEngine, QUrl
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


def procedure_usage(store: Store) -> Callable[[], dict[str, int]]:
    """Most-used procedures first: counts over the last 90 days, read on demand."""

    def counts() -> dict[str, int]:
        rows = store.read(lambda db: db.execute(
            "SELECT procedure_code, count(*) FROM dossiers WHERE day >= date('now', '-90 day') "
            "GROUP BY procedure_code").fetchall())
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

        scanner_factory = create_driver
    services = Services(config=config, store=store, clerks=clerks,
                        scanner_factory=scanner_factory)
    services.extras["procedure_usage"] = procedure_usage(store)
    return services


def create_window(services: Services, *, synchronous: bool = False,
                  fullscreen: bool = False) -> Window:
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
    }
    extras: list[Any] = []
    from kiosk.ui.integrations import install

    extras.extend(install(services, app, models))
    ctx = engine.rootContext()
    for name, model in models.items():
        ctx.setContextProperty(name, model)
    ctx.setContextProperty("appFontFamily", load_font())
    engine.load(QUrl.fromLocalFile(str(QML_DIR / "Main.qml")))
    if not engine.rootObjects():
        raise RuntimeError("the QML window could not be loaded (see the messages above)")
    window = Window(engine, app, models["home"], models["intake"], models["lookup"],  # type: ignore[arg-type]
                    models["detail"], models["returns"], models["settings"],  # type: ignore[arg-type]
                    tasks, services, extras)
    if fullscreen:
        window.root().showFullScreen()  # type: ignore[attr-defined]
    return window


def run(*, demo: bool = False, fullscreen: bool = False, argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    qt_app = QGuiApplication.instance() or QGuiApplication(argv or sys.argv[:1])
    qt_app.setApplicationName("kiosk")
    qt_app.setOrganizationName("kiosk")
    services = build_services(demo=demo)
    if demo:
        from kiosk.demo import seed

        seed(services.store)
    window = create_window(services, fullscreen=fullscreen or bool(os.environ.get("KIOSK_FULLSCREEN")))
    if os.environ.get("KIOSK_FIRST_FRAME_EXIT"):  # bench/startup.py: time to first frame
        def first_frame() -> None:
            import time

            print(f"FIRST_FRAME {time.time():.6f}", flush=True)
            qt_app.quit()

        window.root().frameSwapped.connect(first_frame)  # type: ignore[attr-defined]
    try:
        return int(qt_app.exec())
    finally:
        window.close()
