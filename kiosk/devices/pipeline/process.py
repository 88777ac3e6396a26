"""The page pipeline: analyse, correct, choose an encoding, and assemble a component PDF.

:class:`PagePipeline` processes pages on its own worker thread while the scanner reads the
next page (the scanner's device thread blocks in libsane; OpenCV releases the GIL), so a
batch is ready moments after the last sheet leaves the feeder.

Encoding by page (measured in docs/BENCHMARKS.md, "Scanning"):

* no colour, text            → CCITT G4 (1 bit)
* no colour, continuous tone → grey JPEG
* colour, text (seal, ink)   → MRC: G4 text mask over a 100 dpi colour background
* colour photo               → JPEG
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from kiosk.devices.pipeline.analyze import (
    PageFacts,
    analyze,
    as_rgb,
    crop_to_sheet,
    estimate_skew,
    gray_of,
    rotate,
    upside_down,
)
from kiosk.devices.pipeline.encode import (
    EncodedPage,
    encode_g4,
    encode_jpeg,
    encode_mrc,
    thumbnail_jpeg,
)
from kiosk.devices.pipeline.pdf import build_pdf


@dataclass(frozen=True)
class PipelineOptions:
    crop: bool = True
    deskew: bool = True
    #: Use MRC for colour text pages (else JPEG at ``jpeg_quality``).
    mrc: bool = True
    #: Turn pages fed upside down (text-line evidence only; see analyze.upside_down).
    orient: bool = True
    jpeg_quality: int = 60
    #: Keep colour even on pages with no colour detected (a clerk's explicit choice).
    force_color: bool = False


@dataclass
class ProcessedPage:
    index: int
    dpi: int
    facts: PageFacts
    encoded: EncodedPage
    #: A small JPEG for the page strip; the UI shows blank pages greyed, restorable.
    thumbnail: bytes
    side: str = "front"

    @property
    def blank(self) -> bool:
        return self.facts.blank

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "encoding": self.encoded.encoding,
            "color": self.facts.color,
            "blank": self.facts.blank,
            "photo": self.facts.photo,
            "bytes": self.encoded.nbytes,
            "skew_degrees": self.facts.skew_degrees,
            "cropped": self.facts.cropped,
            "turned": self.facts.turned,
            "fault": self.facts.fault,
            "size_px": [self.encoded.width, self.encoded.height],
            "dpi": self.encoded.dpi,
        }


def choose_encoding(facts: PageFacts, options: PipelineOptions) -> str:
    color = facts.color or options.force_color
    if facts.photo:
        return "jpeg" if color else "jpeg-gray"
    if color:
        return "mrc" if options.mrc else "jpeg"
    return "g4"


def encode_as(encoding: str, rgb: np.ndarray, dpi: int, options: PipelineOptions) -> EncodedPage:
    if encoding == "g4":
        return encode_g4(rgb, dpi)
    if encoding == "mrc":
        return encode_mrc(rgb, dpi)
    if encoding == "jpeg-gray":
        return encode_jpeg(rgb, dpi, options.jpeg_quality, gray=True)
    if encoding == "jpeg":
        return encode_jpeg(rgb, dpi, options.jpeg_quality)
    raise ValueError(f"unknown encoding {encoding!r}")


def process_page(image: np.ndarray, dpi: int, index: int = 0,
                 options: PipelineOptions | None = None, side: str = "front") -> ProcessedPage:
    options = options or PipelineOptions()
    # A grey scan stays one channel all the way to G4 or grey JPEG (a third of the pixels
    # to resize, rotate and threshold); only colour needs three.
    rgb = image if image.ndim == 2 and not options.force_color else as_rgb(image)
    cropped = False
    angle = 0.0
    if options.crop:
        rgb, cropped, angle = crop_to_sheet(rgb, dpi)
    skew = 0.0
    if options.deskew:
        skew = estimate_skew(gray_of(rgb), dpi)
        # Below 0.2° (under 3 px across an A4 line at 200 dpi) a rotation only softens the
        # page and costs a full-resolution warp.
        if abs(skew) < 0.2:
            skew = 0.0
        rgb = rotate(rgb, skew)
    turned = 0
    if options.orient and upside_down(gray_of(rgb), dpi):
        rgb = np.ascontiguousarray(rgb[::-1, ::-1])
        turned = 180
    facts = replace(analyze(rgb, dpi, skew=round(skew + angle, 2), cropped=cropped),
                    turned=turned)
    encoding = choose_encoding(facts, options)
    return ProcessedPage(index, dpi, facts, encode_as(encoding, rgb, dpi, options),
                         thumbnail_jpeg(rgb), side)


class PagePipeline:
    """Processes pages in arrival order on a worker thread.

    ``submit`` returns at once unless ``max_pending`` pages are already waiting: then it
    waits for one to finish. Each waiting page holds its full raw image (11 MB for A4 colour
    at 200 dpi), so a 100-page PDF import must not queue them all; for a scanner, waiting
    here only happens when the pipeline is behind the feeder anyway.
    """

    def __init__(self, options: PipelineOptions | None = None, max_pending: int = 4) -> None:
        self.options = options or PipelineOptions()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pipeline")
        self._futures: list[Future[ProcessedPage]] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_pending)

    def submit(self, image: np.ndarray, dpi: int, side: str = "front") -> None:
        self._slots.acquire()
        with self._lock:
            index = len(self._futures)
            future = self._executor.submit(process_page, image, dpi, index, self.options, side)
            self._futures.append(future)
        future.add_done_callback(lambda _f: self._slots.release())

    def results(self) -> list[ProcessedPage]:
        """Wait for every submitted page; the executor stays usable for more pages."""
        with self._lock:
            futures = list(self._futures)
        return [f.result() for f in futures]

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    def __enter__(self) -> PagePipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Component:
    """The pages of one dossier component; blank pages are set aside, not deleted."""

    pages: list[ProcessedPage] = field(default_factory=list)
    #: Indexes of blank pages the clerk chose to keep after all.
    restored: set[int] = field(default_factory=set)

    def kept(self) -> list[ProcessedPage]:
        return [p for p in self.pages if not p.blank or p.index in self.restored]

    def set_aside(self) -> list[ProcessedPage]:
        return [p for p in self.pages if p.blank and p.index not in self.restored]

    def restore(self, index: int) -> None:
        self.restored.add(index)

    def pdf(self) -> bytes:
        kept = self.kept()
        if not kept:
            raise ValueError("a component PDF needs at least one page that is not blank")
        return build_pdf([p.encoded for p in kept])

    def summary(self, pdf_bytes: int) -> dict[str, Any]:
        return {
            "pages": len(self.kept()),
            "blank_pages": len(self.set_aside()),
            "bytes": pdf_bytes,
            "per_page": [p.to_json() for p in self.pages],
        }


def process_all(images: Iterable[tuple[np.ndarray, int]],
                options: PipelineOptions | None = None) -> Component:
    with PagePipeline(options) as pipeline:
        for image, dpi in images:
            pipeline.submit(image, dpi)
        return Component(pipeline.results())

