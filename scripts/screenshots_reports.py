"""Screenshots of issue 13's screens into docs/screenshots/ (15-…): the Reports screen over
a month of history, Home with the due-soon tile, the late lists, a postponed dossier, the
apology dialog and the intake's reception options.

``xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python scripts/screenshots_reports.py``.
The history is tests/reports/history.py's (November 2026, known answers) under the
controlled clock, in a throw-away KIOSK_HOME.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="kiosk-report-shots-"))
    os.environ["KIOSK_HOME"] = str(home)
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "kiosk.sync.memory_keyring.MemoryKeyring")
    sys.path.insert(0, str(ROOT))
    from kiosk import clock
    from kiosk.ui.qt import QGuiApplication

    qt_app = QGuiApplication(sys.argv[:1])
    from kiosk.config import Config
    from kiosk.ui.app import build_services, create_window
    from tests.reports.history import Clock, build, t

    config = Config.load()
    config.set("ui.idle_lock_minutes", 0)
    config.save()
    c = Clock()
    clock.set_source(c)
    from kiosk.devices.scanner import create_driver

    services = build_services(config, demo=True, scanner_factory=lambda: create_driver("fake"))
    codes = build(services.store, c)
    c.at = t("2026-12-01T10:00")
    window = create_window(services)
    root = window.root()
    root.setProperty("width", 1366)
    root.setProperty("height", 768)
    OUT.mkdir(parents=True, exist_ok=True)

    def settle(seconds: float = 0.8) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end or window.tasks.pending:
            qt_app.processEvents()
            time.sleep(0.02)
            if time.monotonic() > end + 20:
                break

    def shot(name: str) -> None:
        settle()
        root.grabWindow().save(str(OUT / f"{name}.png"))  # type: ignore[attr-defined]
        print("wrote", OUT / f"{name}.png")

    window.app.signIn("1234")
    window.home.refresh()
    shot("15-home-due-soon")
    reports = window.engine.rootContext().contextProperty("reports")
    window.app.go("reports")
    settle()
    reports.setPeriod("2026-10-01", "2026-11-30")
    shot("16-reports")
    window.app.go("lookup", "duesoon")
    window.lookup.loadOverdue()
    shot("17-due-soon-list")
    window.app.go("lookup", "overdue")
    shot("18-overdue-list")
    window.detail.load(codes["D7"])
    window.app.go("detail", codes["D7"])
    shot("19-detail-postponed")
    window.intake.start()
    window.app.go("intake")
    window.intake.chooseProcedure("1.004873")
    window.intake.applyCccd("001189012345||Nguyễn Thị Hồng Nhung|12051989|Nữ|"
                            "Thôn Đông, xã Mẫu, Hà Nội|20042021")
    window.intake.setField("phone", "0912345678")
    window.intake.next()
    for i in range(3):
        window.intake.setChecked(i, True)
    window.intake.next()
    deadline = time.monotonic() + 120
    for comp in (0, 1):
        window.intake.selectComponent(comp)
        window.intake.scan()
        settle(0.3)
        while window.intake.scanner.active and time.monotonic() < deadline:
            settle(0.3)
    window.intake.next()
    window.intake.setChannel(3)
    window.intake.setReturnMethod("post")
    settle(4)  # the "scanned" toast fades
    shot("20-intake-reception")
    window.close()
    clock.set_source(None)
    shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
