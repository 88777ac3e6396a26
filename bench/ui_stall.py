"""Event-loop stall probe: does the GUI thread ever freeze during a 20-page scan with sync?

A 5 ms QTimer on the GUI thread records how late each tick fires; a stall is the lateness.
Phases in one process: the sign-in → Home change as the PIN pad does it (``enterPin``:
the PIN checked on a worker, then Home loaded), an idle window (baseline), then two
10-sheet ADF batches through the real SANE test backend (200 dpi colour, the page pipeline,
the file store) while the sync worker pushes the backlog to a reference server on loopback.

    .venv/bin/python bench/ui_stall.py [--backlog 30]

Prints max / p99 / median lateness and the count of ticks late by more than 50 ms.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["KIOSK_HOME"] = tempfile.mkdtemp(prefix="kiosk-stall-")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "kiosk.sync.demo_keyring.DemoFileKeyring")

TICK_MS = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def kiosk(*args: str) -> str:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], check=True, text=True,
                          capture_output=True, cwd=ROOT).stdout


class Probe:
    def __init__(self, qt_app: object) -> None:
        from kiosk.ui.qt import QTimer

        self.qt_app = qt_app
        self.late: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        t = time.perf_counter()
        self.late.append(max(0.0, (t - self._last) * 1000 - TICK_MS))
        self._last = t

    def run(self, until: object, limit: float) -> list[float]:
        self.late = []
        self._last = time.perf_counter()
        self.timer.start()
        end = time.monotonic() + limit
        while not until() and time.monotonic() < end:  # type: ignore[operator]
            self.qt_app.processEvents()  # type: ignore[attr-defined]
            time.sleep(0.001)
        self.timer.stop()
        return self.late


def report(name: str, late: list[float]) -> None:
    s = sorted(late)
    if not s:
        print(f"{name:<28} (nothing to measure)")
        return
    p99 = s[int(len(s) * 0.99) - 1] if s else 0.0
    print(f"{name:<28} ticks {len(s):>6}  median {statistics.median(s):6.1f} ms  "
          f"p99 {p99:6.1f} ms  max {max(s):7.1f} ms  >50 ms: {sum(1 for x in s if x > 50)}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backlog", type=int, default=30, help="dossiers waiting to sync")
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kiosk", "central", "serve", "--port",
                               str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        import json

        from kiosk.config import Config

        config = Config.load()
        config.set("scanner.source", "adf")
        config.set("scanner.resolution", 200)
        config.set("ui.idle_lock_minutes", 0)
        config.save()
        token = json.loads(kiosk("central", "device", "add", "--unit",
                                 str(config.get("unit.code"))))["token"]
        # "--token=…": a token may start with "-", which argparse would read as an option.
        kiosk("sync", "enroll", "--server", f"http://127.0.0.1:{port}", f"--token={token}")

        from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput, Store

        with Store() as store:
            for i in range(args.backlog):
                sha = store.put_file(os.urandom(700_000) + i.to_bytes(4, "big"))
                store.save_dossier(DossierInput(
                    "2.000815", ApplicantInput(name=f"Nguyễn Văn Thử {i}"),
                    components=[ComponentInput(name="Bản sao", pages=[PageInput(sha)])]),
                    "bench")

        from kiosk.ui.qt import QGuiApplication

        qt_app = QGuiApplication(sys.argv[:1])
        from kiosk.ui.app import build_services, create_window

        window = create_window(build_services(Config.load(), demo=True))
        probe = Probe(qt_app)
        probe.run(lambda: window.first_frame is not None and window.first_frame.done, 30)
        probe.run(lambda: False, 1.0)  # the keyboard and the pipeline process start here
        window.app.enterPin("1234")
        signed_in: list[float] = []

        def home_shown() -> bool:
            if window.app.screen == "home" and not signed_in:
                signed_in.append(time.monotonic())
            return bool(signed_in) and time.monotonic() - signed_in[0] > 0.5

        report("sign-in → Home (PIN pad)", probe.run(home_shown, 30))
        report("idle window (baseline)", probe.run(lambda: False, 3.0))
        link = window.services.sync
        assert link.worker is not None, link.problem

        def backlog_sent() -> bool:
            return window.services.store.outbox_counts()["pending"] == 0

        intake = window.intake
        intake.start()
        intake.chooseProcedure("2.000815")
        intake.applyCccd("001189012345||Nguyễn Thị Hồng Nhung|12051989|Nữ|Hà Nội|20042021")
        intake.next()
        for i in range(len(intake.session.components)):
            intake.setChecked(i, True)
        intake.next()
        started = time.monotonic()
        late: list[float] = []
        for batch in range(2):
            intake.selectComponent(batch)
            intake.scan()
            late += probe.run(lambda: not intake.scanner.active and not window.tasks.pending, 600)
            late += probe.run(lambda: False, 0.3)  # the last queued pages reach the GUI
        pages = sum(len(c.pages) for c in intake.session.components)
        report(f"scan {pages} pages + sync", late)
        print(f"scan time {time.monotonic() - started:.1f} s; backlog sent during the scan: "
              f"{backlog_sent()}")
        if not backlog_sent():
            report("sync rest of backlog", probe.run(backlog_sent, 120))
        window.close()
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
