"""A counter that cannot open its data says so on the screen (issue 22 §0): ``kiosk run``
on an emptied database next to its scans shows the refusal and what to do, and exits 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.edges.helpers import ROOT, kiosk


def test_the_startup_window_shows_the_refusal(qapp: Any, kiosk_home: Path) -> None:
    from kiosk.errors import StorageError
    from kiosk.ui import startup_error
    from kiosk.ui.qt import QGuiApplication, QTimer

    seen: dict[str, str] = {}

    def look() -> None:
        for window in QGuiApplication.topLevelWindows():
            for name in ("problemMessage", "problemHint"):
                item = window.findChild(object, name)
                if item is not None:
                    seen[name] = str(item.property("text"))
        for window in QGuiApplication.topLevelWindows():
            window.close()
        QGuiApplication.quit()

    QTimer.singleShot(500, look)
    error = StorageError("Cơ sở dữ liệu X bị mất hoặc trống", hint="Khôi phục: kiosk db restore")
    assert startup_error.show(qapp, error, "Noto Sans") == 2
    assert seen == {"problemMessage": "Cơ sở dữ liệu X bị mất hoặc trống",
                    "problemHint": "Khôi phục: kiosk db restore"}


def test_kiosk_run_on_a_lost_database_refuses_on_screen(kiosk_home: Path, tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    card = "001158024485|110419092|Đinh Thị Huyền|08101958|Nữ|Khánh Vân, Hà Nội|24042021"
    r = kiosk("dossier", "new", "--procedure", "1.001193", "--cccd", card,
              "--attach", f"TK={scan}")
    assert r.returncode == 0, r.stderr.decode()
    (kiosk_home / "data" / "kiosk.sqlite3").write_bytes(b"")
    for side in ("-wal", "-shm"):
        (kiosk_home / "data" / f"kiosk.sqlite3{side}").unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           "KIOSK_STARTUP_ERROR_EXIT": "1"}
    proc = subprocess.run([sys.executable, "-m", "kiosk", "run"], env=env, capture_output=True,
                          timeout=120, check=False)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert "bị mất hoặc trống" in err and "kiosk db restore" in err
    assert "STARTUP_ERROR_SHOWN" in proc.stdout.decode()
    assert (kiosk_home / "data" / "kiosk.sqlite3").stat().st_size == 0
