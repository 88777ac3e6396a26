"""A counter that cannot open its data says so on the screen (issue 22 §0): ``kiosk run``
on an emptied database next to its scans shows the refusal and what to do, and exits 2.
In a child process: the window runs its own event loop, which the shared test
application must never do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.edges.helpers import ROOT, kiosk


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
    # What the window shows (read from its QML items once it drew its first frame).
    shown = proc.stdout.decode().split("STARTUP_ERROR_SHOWN\n", 1)[1]
    assert "bị mất hoặc trống" in shown and "kiosk db restore" in shown
    assert (kiosk_home / "data" / "kiosk.sqlite3").stat().st_size == 0
