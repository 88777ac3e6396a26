"""Does the background reader (OCR + text layer) change the intake? (issue 24 §4)

One process, the real window offscreen, the real SANE test backend (flatbed, 200 dpi
colour), the real page pipeline, storage lane and save. Before the rounds, ``--waiting``
dossiers are stored with a typed Vietnamese A4 page each (rendered at 300 dpi, as a
scanner gives them), so the reader has minutes of work. Then whole intakes — procedure,
CCCD, the mandatory checklist items, ``--pages`` scans of each, review, save — alternate
between the reader held (no page in progress: the "off" figure) and the reader working
through the backlog (its helper reading pages at the lowest CPU priority, stopping only
while a scan runs: the "on" figure), in the order off, on, on, off, off, on … so drift
hits both alike.

Measured per round: a 5 ms QTimer on the GUI thread (lateness of each tick = a stall),
and the save time (``save()`` to the saved dossier on screen). Printed per mode, with the
ratio on/off, and the share of ticks during which the reader had a page in progress
(the proof that it ran in the "on" rounds, and not in the "off" ones).

    .venv/bin/python bench/ocr_stall.py [--waiting 20] [--rounds 3] [--pages 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["KIOSK_HOME"] = tempfile.mkdtemp(prefix="kiosk-ocr-stall-")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "kiosk.sync.demo_keyring.DemoFileKeyring")

TICK_MS = 5
CCCD = "001189012345||Nguyễn Thị Hồng Nhung|12051989|Nữ|Hà Nội|20042021"
LINES = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
         "HỢP ĐỒNG THUÊ NHÀ Ở", "Số: 125/2025/HĐTN", "Bên cho thuê: ông Trần Văn Quý",
         "Địa chỉ nhà: thôn Đông, xã Mẫu, huyện Thường Tín, thành phố Hà Nội",
         "Thời hạn thuê: 24 tháng, kể từ ngày 05 tháng 3 năm 2025",
         "Giá thuê: 3.500.000 đồng một tháng, trả vào ngày mùng 5 hằng tháng"]


def typed_pdf(n: int) -> bytes:
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from kiosk.devices.pipeline.encode import encode_jpeg
    from kiosk.devices.pipeline.pdf import build_pdf
    from kiosk.documents import merge_pages

    dpi = 300
    img = Image.new("RGB", (int(8.27 * dpi), int(11.69 * dpi)), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(str(ROOT / "assets/fonts/BeVietnamPro-Regular.ttf"),
                              size=int(dpi * 0.15))
    for row in range(24):
        line = LINES[(row + n) % len(LINES)]
        draw.text((dpi, dpi + row * int(dpi * 0.35)), line, fill=(10, 10, 10), font=font)
    return merge_pages([(build_pdf([encode_jpeg(np.asarray(img), dpi)]), 0)])


class Probe:
    def __init__(self, qt_app: Any) -> None:
        from kiosk.ui.qt import QTimer

        self.qt_app = qt_app
        self.late: list[float] = []
        self._last = time.perf_counter()
        #: Ticks during which ``watch()`` held, per run.
        self.watch: Callable[[], bool] = lambda: False
        self.watched = 0
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        t = time.perf_counter()
        self.late.append(max(0.0, (t - self._last) * 1000 - TICK_MS))
        self._last = t
        self.watched += bool(self.watch())

    def run(self, until: Callable[[], bool], limit: float) -> list[float]:
        self.late = []
        self._last = time.perf_counter()
        self.timer.start()
        end = time.monotonic() + limit
        while not until() and time.monotonic() < end:
            self.qt_app.processEvents()
            time.sleep(0.001)
        self.timer.stop()
        if not until():
            raise SystemExit(f"timed out after {limit} s")
        return self.late


def hold(reader: Any) -> tuple[threading.Event, threading.Event]:
    """Let the bench hold the reader between pages, and see when a page is in progress."""
    held, busy = threading.Event(), threading.Event()
    go_on, call = reader._go_on, reader._call

    def held_go_on() -> bool:
        while held.is_set() and not reader._stop.is_set():
            time.sleep(0.05)
        return bool(go_on())

    def busy_call(fn: Any, *args: Any) -> Any:
        busy.set()
        try:
            return call(fn, *args)
        finally:
            busy.clear()

    reader._go_on, reader._call = held_go_on, busy_call
    return held, busy


def intake_round(window: Any, probe: Probe, pages: int) -> tuple[list[float], float]:
    intake, app = window.intake, window.app

    def idle() -> bool:
        return bool(window.tasks.pending == 0 and not intake.scanner.active
                    and not intake._draft_timer.isActive())

    late: list[float] = []
    intake.start()
    app.go("intake")
    intake.chooseProcedure("2.000815")
    intake.applyCccd(CCCD)
    late += probe.run(idle, 60)
    intake.next()
    for i, comp in enumerate(intake.session.components):
        intake.setChecked(i, comp.mandatory)
    intake.next()
    for i, comp in enumerate(intake.session.components):
        for _ in range(pages if comp.checked and comp.copy_kind != "present" else 0):
            intake.selectComponent(i)
            intake.scan()
            late += probe.run(idle, 300)
    intake.next()
    started = time.perf_counter()
    intake.save()
    late += probe.run(lambda: not intake._saving and bool(intake.session.saved), 120)
    saved = time.perf_counter() - started
    late += probe.run(idle, 60)
    return late, saved


def summary(late: list[float]) -> dict[str, float]:
    s = sorted(late)
    return {"ticks": len(s), "median": statistics.median(s), "p99": s[int(len(s) * .99) - 1],
            "max": s[-1], "over50": sum(1 for x in s if x > 50)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--waiting", type=int, default=20, help="stored pages left to read")
    parser.add_argument("--rounds", type=int, default=3, help="intakes per mode")
    parser.add_argument("--pages", type=int, default=1, help="scans per checklist item")
    args = parser.parse_args()
    from kiosk.config import Config

    config = Config.load()
    config.set("scanner.source", "flatbed")
    config.set("scanner.resolution", 200)
    config.set("ui.idle_lock_minutes", 0)
    config.save()
    from kiosk.storage import ApplicantInput, ComponentInput, DossierInput, PageInput, Store

    with Store() as store:
        for i in range(args.waiting):
            sha = store.put_file(typed_pdf(i))
            store.save_dossier(DossierInput(
                "1.004222", ApplicantInput(name=f"Trần Văn Quý {i}"),
                components=[ComponentInput("Giấy tờ chứng minh chỗ ở hợp pháp", code="CO",
                                           pages=[PageInput(sha, "application/pdf")])]),
                "bench")
    from kiosk import ocr

    if not ocr.available():
        raise SystemExit("tesseract with Vietnamese data is not installed")
    from kiosk.ui.qt import QGuiApplication

    qt_app = QGuiApplication(sys.argv[:1])
    from kiosk.ui.app import build_services, create_window

    window = create_window(build_services(Config.load(), demo=True))
    messages: list[str] = []
    window.app.message.connect(lambda text, kind: messages.append(f"{kind}: {text}"))
    probe = Probe(qt_app)
    probe.run(lambda: window.first_frame is not None and window.first_frame.done, 60)
    assert window.app.signIn("1234")
    reader = window.services.extras["ocr"]
    held, busy = hold(reader)
    probe.watch = busy.is_set
    held.set()
    reader.poke()
    intake_round(window, probe, args.pages)  # warm-up, not counted: screens load once
    figures: dict[str, list[float]] = {"off": [], "on": []}
    saves: dict[str, list[float]] = {"off": [], "on": []}
    busy_ticks = {"off": 0, "on": 0}
    order = ["off", "on", "on", "off"] * ((args.rounds + 1) // 2)
    for mode in order[:2 * args.rounds]:
        if mode == "off":
            held.set()
            probe.run(lambda: not busy.is_set(), 600)  # the page in progress ends
        else:
            held.clear()
            reader.poke()
            probe.run(busy.is_set, 60)  # reading has started
        probe.watched = 0
        try:
            late, saved = intake_round(window, probe, args.pages)
        except SystemExit:
            print("\n".join(messages[-5:]), file=sys.stderr)
            raise
        busy_ticks[mode] += probe.watched
        figures[mode] += late
        saves[mode].append(saved)
        print(f"round {mode:<3} save {saved * 1000:7.1f} ms  max stall {max(late):6.1f} ms  "
              f"reader files done {reader.read}", flush=True)
    held.clear()
    off, on = summary(figures["off"]), summary(figures["on"])
    print()
    print(f"{'':<6}{'ticks':>7}{'median':>9}{'p99':>9}{'max':>9}{'>50ms':>7}"
          f"{'save median':>13}{'save max':>10}")
    for mode, fig in (("off", off), ("on", on)):
        print(f"{mode:<6}{fig['ticks']:>7}{fig['median']:>8.1f} {fig['p99']:>8.1f} "
              f"{fig['max']:>8.1f} {fig['over50']:>6} "
              f"{statistics.median(saves[mode]) * 1000:>11.1f}  {max(saves[mode]) * 1000:>8.1f}")
    ratio = {k: (on[k] / off[k] if off[k] else float("nan")) for k in ("p99", "max")}
    save_ratio = statistics.median(saves["on"]) / statistics.median(saves["off"])
    print(f"ratio on/off: stall p99 {ratio['p99']:.2f}, stall max {ratio['max']:.2f}, "
          f"save median {save_ratio:.2f}")
    print(f"reader had a page in progress: 'on' rounds {busy_ticks['on'] / on['ticks']:.0%} "
          f"of ticks, 'off' rounds {busy_ticks['off'] / off['ticks']:.0%}; files read in "
          f"all: {reader.read}")
    reader.stop()
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
