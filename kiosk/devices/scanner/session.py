"""One scanning batch: the driver feeds pages into the pipeline as they arrive.

The scanner reads on its device thread while the pipeline works on the previous page on its
own thread. A scanner error ends the batch but keeps every page read before it: the result
carries both the processed pages and the error, and the caller decides (the CLI writes the
partial PDF and reports; the UI offers to continue after the clerk clears the jam).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.devices.pipeline.process import Component, PagePipeline, PipelineOptions
from kiosk.devices.scanner.errors import ScannerError
from kiosk.devices.scanner.protocol import (
    CancelToken,
    ProgressCallback,
    ScanDriver,
    ScanEnd,
    ScanOutcome,
    ScanPage,
    ScanSettings,
)


@dataclass
class BatchResult:
    component: Component
    outcome: ScanOutcome | None
    error: ScannerError | None

    @property
    def cancelled(self) -> bool:
        return self.outcome is not None and self.outcome.end is ScanEnd.CANCELLED


def scan_batch(
    driver: ScanDriver,
    device: str,
    settings: ScanSettings,
    *,
    options: PipelineOptions | None = None,
    cancel: CancelToken | None = None,
    on_progress: ProgressCallback | None = None,
) -> BatchResult:
    with PagePipeline(options) as pipeline:

        def on_page(page: ScanPage) -> None:
            pipeline.submit(page.image, page.dpi, page.side)

        outcome: ScanOutcome | None = None
        error: ScannerError | None = None
        try:
            outcome = driver.scan(device, settings, cancel=cancel, on_progress=on_progress,
                                  on_page=on_page)
        except ScannerError as exc:
            error = exc
        pages = pipeline.results()
    return BatchResult(Component(pages), outcome, error)
