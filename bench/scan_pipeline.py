"""Benchmark the page pipeline per page type: speed, size and legibility, against plain JPEG.

Run:  .venv/bin/python bench/scan_pipeline.py [--repeat 5]

For each generated page type (200 dpi, see kiosk/devices/pipeline/samples.py) it prints:
* pipeline ms/page (median of --repeat runs, OpenCV limited to one thread) and pages/min on
  one core, with the ratio to plain JPEG q60 encoding measured in the same run (baseline);
* KB/page of the pipeline's choice, of JPEG q60 at 200 dpi, and of JPEG q75 at 300 dpi
  (the 300 dpi page is generated at 300 dpi, as a 300 dpi scan would be);
* legibility: character error rate (CER) of ``tesseract -l vie`` on each output at 300 dpi,
  against the text printed on the page; the lossless source's own CER is the floor ("src").
  Pages with several layers (MRC) or a G4 layer are rendered by poppler (an independent
  renderer composes the layers); single-JPEG pages are decoded directly (the PDF embeds the
  JPEG unchanged, and poppler's JPEG path took over a minute per page on this machine).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # tesseract: one core, comparable runs

import cv2
import numpy as np
from PIL import Image

from kiosk.devices.pipeline import samples
from kiosk.devices.pipeline.encode import EncodedPage, encode_jpeg
from kiosk.devices.pipeline.pdf import build_pdf
from kiosk.devices.pipeline.process import PipelineOptions, process_page

DPI = 200
CAPTION = "Ảnh chụp hiện trạng thửa đất số 125, tờ bản đồ số 7"


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def normalise(text: str) -> str:
    return " ".join(text.split())


def cer(ocr: str, truth: str) -> float:
    truth_n = normalise(truth)
    return levenshtein(normalise(ocr), truth_n) / max(1, len(truth_n))


def ocr_png(png: Path) -> str:
    out = subprocess.run(["tesseract", str(png), "-", "-l", "vie", "--psm", "4"],
                         capture_output=True, text=True, timeout=300, check=True)
    return out.stdout


def ocr_page(page: EncodedPage, tmp: Path) -> str:
    if page.encoding in ("jpeg", "jpeg-gray"):
        (layer,) = page.layers
        with Image.open(io.BytesIO(layer.data)) as decoded:
            return ocr_array(np.asarray(decoded.convert("RGB")), page.dpi, tmp)
    return ocr_pdf(build_pdf([page]), tmp)


def ocr_pdf(pdf: bytes, tmp: Path) -> str:
    src = tmp / "page.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-singlefile", str(src), str(tmp / "r")],
                   check=True, timeout=120)
    return ocr_png(tmp / "r.png")


def ocr_array(rgb: np.ndarray, dpi: int, tmp: Path) -> str:
    # The lossless source, brought to 300 dpi like the rendered PDFs.
    if dpi != 300:
        f = 300 / dpi
        rgb = cv2.resize(rgb, (round(rgb.shape[1] * f), round(rgb.shape[0] * f)),
                         interpolation=cv2.INTER_CUBIC)
    Image.fromarray(rgb).save(tmp / "src.png")
    return ocr_png(tmp / "src.png")


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def page_types() -> dict[str, tuple[np.ndarray, np.ndarray, str | None]]:
    """name → (200 dpi page, the same page at 300 dpi, printed text or None)."""
    letter200, text = samples.letter_page(DPI)
    letter300, _ = samples.letter_page(300)
    plain200, _ = samples.gray_letter(DPI)
    plain300, _ = samples.gray_letter(300)
    return {
        "text + red seal + signature": (letter200, letter300, text),
        "black text only": (plain200, plain300, text),
        "skewed 4° on feeder background": (
            samples.skewed_on_background(letter200, 4.0, DPI),
            samples.skewed_on_background(letter300, 4.0, 300), text),
        "blank with bleed-through": (samples.blank_with_bleed(DPI),
                                     samples.blank_with_bleed(300), None),
        "photo page": (samples.photo_page(DPI), samples.photo_page(300), CAPTION),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-ocr", action="store_true", help="skip the legibility columns")
    args = parser.parse_args()
    do_ocr = not args.no_ocr and shutil.which("tesseract") and shutil.which("pdftoppm")
    cv2.setNumThreads(1)
    options = PipelineOptions()
    print(f"pipeline benchmark: {DPI} dpi A4, median of {args.repeat}, OpenCV threads=1")
    header = (f"{'page type':32} {'choice':9} {'ms/page':>8} {'ppm/core':>8} {'×jpeg':>6} "
              f"{'KB pipe':>8} {'KB q60@200':>10} {'KB q75@300':>10}")
    if do_ocr:
        header += f" {'CER src':>8} {'CER pipe':>8} {'CER q60':>8} {'CER q75':>8}"
    print(header)
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmpdir:
        tmp = Path(tmpdir)
        for name, (page200, page300, truth) in page_types().items():
            result = process_page(page200, DPI, 0, options)
            ms = median_ms(partial(process_page, page200, DPI, 0, options), args.repeat)
            jpeg_ms = median_ms(partial(encode_jpeg, page200, DPI, 60), args.repeat)
            q60 = encode_jpeg(page200, DPI, 60)
            q75 = encode_jpeg(page300, 300, 75)
            variants: dict[str, EncodedPage] = {"pipe": result.encoded, "q60": q60, "q75": q75}
            pdfs = {k: build_pdf([v]) for k, v in variants.items()}
            line = (f"{name:32} {result.encoded.encoding + ('*' if result.blank else ''):9} "
                    f"{ms:8.0f} {60000 / ms:8.0f} {ms / jpeg_ms:6.1f} "
                    f"{len(pdfs['pipe']) / 1024:8.1f} {len(pdfs['q60']) / 1024:10.1f} "
                    f"{len(pdfs['q75']) / 1024:10.1f}")
            if do_ocr:
                if truth is None:
                    line += f" {'–':>8} {'–':>8} {'–':>8} {'–':>8}"
                else:
                    src = cer(ocr_array(page200, DPI, tmp), truth)
                    scores = [cer(ocr_page(variants[k], tmp), truth)
                              for k in ("pipe", "q60", "q75")]
                    line += f" {src:8.3f} " + " ".join(f"{s:8.3f}" for s in scores)
            print(line, flush=True)
    print("* = detected blank (set aside, kept restorable); ppm = pages per minute;")
    print("×jpeg = pipeline time / plain JPEG q60 encode time of the same page (same run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
