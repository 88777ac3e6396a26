"""Benchmark a whole ADF batch: does the pipeline keep up with the scanner?

Run:  .venv/bin/python bench/scan_batch.py [--repeat 3]

Two feeders, 10 sheets each, 200 dpi colour:
* the SANE ``test`` backend through python-sane (real libsane reads; its pages are the
  colour test pattern, so every page takes the photo path);
* the fake scanner feeding generated letters (text + seal, plain text, skewed, blank back)
  at a pace of 2 s per sheet, about a 30 pages/min office ADF.

For each it prints the median wall time of: scanning alone (baseline), scanning then
processing one page after another, and scanning with the pipeline overlapped (what the
app does); and the overlapped run's time as a ratio of the scan alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable

import cv2

from kiosk.devices.pipeline import samples
from kiosk.devices.pipeline.process import process_page
from kiosk.devices.scanner.fake import FakeScanDriver
from kiosk.devices.scanner.protocol import ScanDriver, ScanPage, ScanSettings, Source
from kiosk.devices.scanner.sane_device import SaneApi
from kiosk.devices.scanner.sane_driver import SaneScanDriver
from kiosk.devices.scanner.session import scan_batch
from kiosk.paths import asset


def median_s(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(name: str, make: Callable[[], ScanDriver], device: str, repeat: int) -> None:
    settings = ScanSettings(Source.ADF, 200)

    def scan_pages() -> list[ScanPage]:
        driver = make()
        pages: list[ScanPage] = []
        try:
            driver.scan(device, settings, on_page=pages.append)
        finally:
            driver.close()
        return pages

    def scan_only() -> int:
        return len(scan_pages())

    def sequential() -> None:
        for page in scan_pages():
            process_page(page.image, page.dpi, page.index)

    def overlapped() -> int:
        driver = make()
        try:
            result = scan_batch(driver, device, settings)
        finally:
            driver.close()
        return len(result.component.pages)

    count = scan_only()
    base = median_s(scan_only, repeat)
    seq = median_s(sequential, repeat)
    over = median_s(overlapped, repeat)
    print(f"{name:44} {count:5d} {base:9.1f} {seq:11.1f} {over:11.1f} {over / base:8.2f}"
          f" {count * 60 / over:8.1f}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("SANE_CONFIG_DIR", str(asset("sane")))
    cv2.setNumThreads(1)
    letter, _ = samples.letter_page(200)
    plain, _ = samples.gray_letter(200)
    sheets = [letter, plain, samples.skewed_on_background(letter, 3.0, 200),
              samples.blank_with_bleed(200), plain] * 2
    print(f"ADF batch benchmark: 200 dpi colour, median of {args.repeat}, OpenCV threads=1")
    print(f"{'feeder':44} {'pages':>5} {'scan s':>9} {'scan+seq s':>11} {'overlap s':>11}"
          f" {'×scan':>8} {'ppm':>8}")
    run("SANE test backend (python-sane)", lambda: SaneScanDriver(SaneApi()), "test:0",
        args.repeat)
    run("fake ADF, generated letters, 2 s/sheet",
        lambda: FakeScanDriver(pages=sheets, delay_s=2.0), "fake:0", args.repeat)
    print("×scan = overlapped time / scan-only time (1.00 = the pipeline adds nothing)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
