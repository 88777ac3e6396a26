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


def pillow_q60(page: np.ndarray) -> bytes:
    """The baseline: plain Pillow JPEG q60 of the page as scanned, nothing else."""
    buf = io.BytesIO()
    Image.fromarray(page).save(buf, "JPEG", quality=60)
    return buf.getvalue()


def whole_page(page: np.ndarray, dpi: int, options: PipelineOptions) -> bytes:
    """What a scanned page costs: analysis, correction, encoding and its PDF."""
    return build_pdf([process_page(page, dpi, 0, options).encoded])


def interleaved(fns: list[Callable[[], object]], repeat: int) -> list[tuple[float, float]]:
    """(median wall ms, median CPU ms) of each, run in turn so load hits them alike."""
    wall: list[list[float]] = [[] for _ in fns]
    cpu: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            wall[i].append((time.perf_counter() - start) * 1000)
            cpu[i].append((time.process_time() - start_cpu) * 1000)
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(wall, cpu,
                                                                          strict=True)]


def labelled_report() -> None:
    """Colour / blank / fault decisions on the labelled page set against the labels."""
    from kiosk.devices.pipeline.page_set import labelled_pages

    pages = labelled_pages(DPI)
    right = 0
    print(f"{'labelled page':48} {'label':18} {'decision':18} {'encoding':9} ok")
    for page in pages:
        done = process_page(page.image, page.dpi)
        f = done.facts

        def tag(color: bool, blank: bool, fault: str | None) -> str:
            return fault or ("blank" if blank else "colour" if color else "no colour")

        label, got = tag(page.color, page.blank, page.fault), tag(f.color, f.blank, f.fault)
        ok = label == got and (not page.encodings or done.encoded.encoding in page.encodings)
        right += ok
        print(f"{page.name:48} {label:18} {got:18} {done.encoded.encoding:9} "
              f"{'yes' if ok else 'NO'}")
    print(f"decisions matching their label: {right}/{len(pages)}")


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


def grey_300() -> tuple[np.ndarray, str]:
    """A 300 dpi grey scan (one channel, as the scanner delivers in Gray mode)."""
    page, text = samples.gray_letter(300)
    return cv2.cvtColor(page, cv2.COLOR_RGB2GRAY), text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-ocr", action="store_true", help="skip the legibility columns")
    parser.add_argument("--labels", action="store_true",
                        help="only report decisions on the labelled page set")
    args = parser.parse_args()
    if args.labels:
        cv2.setNumThreads(1)
        labelled_report()
        return 0
    do_ocr = not args.no_ocr and shutil.which("tesseract") and shutil.which("pdftoppm")
    cv2.setNumThreads(1)
    options = PipelineOptions()
    print(f"pipeline benchmark: {DPI} dpi A4, median of {args.repeat}, OpenCV threads=1")
    header = (f"{'page type':32} {'choice':9} {'wall ms':>8} {'CPU ms':>7} {'ppm wall':>8} "
              f"{'ppm CPU':>7} {'q60 ms':>7} {'×q60 wall':>9} {'×q60 CPU':>8} "
              f"{'KB pipe':>8} {'KB q60@200':>10} {'KB q75@300':>10}")
    if do_ocr:
        header += f" {'CER src':>8} {'CER pipe':>8} {'CER q60':>8} {'CER q75':>8}"
    print(header)
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmpdir:
        tmp = Path(tmpdir)
        cases = [(n, p200, DPI, p300, t) for n, (p200, p300, t) in page_types().items()]
        grey, grey_text = grey_300()
        cases.append(("grey text, 300 dpi grey scan", grey, 300, grey, grey_text))
        for name, page200, dpi, page300, truth in cases:
            result = process_page(page200, dpi, 0, options)
            (ms, cpu), (jpeg_ms, jpeg_cpu) = interleaved(
                [partial(whole_page, page200, dpi, options), partial(pillow_q60, page200)],
                args.repeat)
            q60 = encode_jpeg(page200, dpi, 60)
            q75 = encode_jpeg(page300, 300, 75)
            variants: dict[str, EncodedPage] = {"pipe": result.encoded, "q60": q60, "q75": q75}
            pdfs = {k: build_pdf([v]) for k, v in variants.items()}
            line = (f"{name:32} {result.encoded.encoding + ('*' if result.blank else ''):9} "
                    f"{ms:8.0f} {cpu:7.0f} {60000 / ms:8.0f} {60000 / cpu:7.0f} "
                    f"{jpeg_ms:7.1f} {ms / jpeg_ms:9.1f} {cpu / max(jpeg_cpu, 0.1):8.1f} "
                    f"{len(pdfs['pipe']) / 1024:8.1f} {len(pdfs['q60']) / 1024:10.1f} "
                    f"{len(pdfs['q75']) / 1024:10.1f}")
            if do_ocr:
                if truth is None:
                    line += f" {'–':>8} {'–':>8} {'–':>8} {'–':>8}"
                else:
                    src_rgb = page200 if page200.ndim == 3 else cv2.cvtColor(
                        page200, cv2.COLOR_GRAY2RGB)
                    src = cer(ocr_array(src_rgb, dpi, tmp), truth)
                    scores = [cer(ocr_page(variants[k], tmp), truth)
                              for k in ("pipe", "q60", "q75")]
                    line += f" {src:8.3f} " + " ".join(f"{s:8.3f}" for s in scores)
            print(line, flush=True)
    print("* = detected blank (set aside, kept restorable); ppm = pages per minute;")
    print("times = the whole page: analysis, correction, encoding and its PDF; q60 = plain "
          "Pillow JPEG q60 of the page as scanned, run in turn with it (same run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
