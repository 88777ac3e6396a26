"""The longest GUI-thread stall of the sign-in → Home change (issue 15 §5).

    .venv/bin/python bench/signin_stall.py [--runs 7]

One window (offscreen, demo clerks); each run waits 2 s on the sign-in screen, starts a
5 ms QTimer probe (as bench/ui_stall.py: a stall is how late a tick fires), signs in and
keeps probing until Home has been shown for 0.5 s, then locks the screen again. Two ways,
alternated in the same process: the PIN pad's ``enterPin`` (the PIN checked on the work
lane, then Home loaded) and, as the same-run baseline, ``signIn`` — the PIN checked on
the GUI thread, which is what the pad called before. Prints the longest stall per run,
the median and minimum of each way, and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["KIOSK_HOME"] = tempfile.mkdtemp(prefix="kiosk-signin-")

TICK_MS = 5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    from kiosk.ui.qt import QGuiApplication, QTimer

    qt_app = QGuiApplication(sys.argv[:1])  # noqa: F841  (kept alive for the run)
    from kiosk.config import Config
    from kiosk.ui.app import build_services, create_window

    config = Config.load()
    config.set("ui.idle_lock_minutes", 0)
    config.save()
    window = create_window(build_services(config, demo=True), fill_screen=True)
    app = window.app

    from PySide6.QtCore import QEventLoop

    # An instance's processEvents: with PySide6 6.12.0 the static one drops a reference to
    # None per call, and the process aborts ("deallocating None") after some thousands.
    loop = QEventLoop()

    def spin(seconds: float, until: object = None) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end and not (until and until()):  # type: ignore[operator]
            loop.processEvents()
            time.sleep(0.001)

    late: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        late.append(max(0.0, (now - last[0]) * 1000 - TICK_MS))
        last[0] = now

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    ways = {"PIN pad (enterPin, PIN checked on a worker)": lambda: app.enterPin("1234"),
            "baseline: signIn (PIN checked on the GUI thread)": lambda: app.signIn("1234")}
    stalls: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(args.runs):
        for name, sign_in in ways.items():
            spin(2.0)
            last[0] = time.perf_counter()
            timer.start()
            spin(0.1)
            late.clear()
            sign_in()
            spin(30, lambda: app.screen == "home")
            spin(0.5)
            timer.stop()
            stalls[name].append(max(late))
            app.lock()
    for name, values in stalls.items():
        print(f"{name}: longest stall per run {[round(v, 1) for v in values]} ms; "
              f"median {statistics.median(values):.1f}, min {min(values):.1f} ms")
    pad, base = (statistics.median(v) for v in stalls.values())
    print(f"ratio (PIN pad / baseline), medians: {pad / base:.2f}")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
